package dev.outpost.fleet.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.outpost.Json;
import org.junit.jupiter.api.Test;

/** Inventory entries are hostile input: whoever can write the registry's hosts prefix wrote them. */
class HostJsonTest {
    private static String entry(String requests) {
        return "{\"v\":1,\"id\":\"web-1\",\"requests\":" + Json.toTree(requests) + ",\"collectors\":[],"
                + "\"tags\":[],\"facts\":{},\"startedAt\":\"2026-12-04T12:00:00Z\"}";
    }

    /**
     * Before: a destination with control characters was taken: no queue has such a name, and the fleet sent to it,
     * quoted it in its results and logs (a line break forging the next line), and showed it in the chat.
     */
    @Test
    void anEntryWhoseDestinationHoldsControlCharactersIsSkipped() {
        assertThat(HostJson.read(Json.parse(entry("requests-web-1")))).isPresent();
        assertThat(HostJson.read(Json.parse(entry("req\nERROR admin logged in")))).isEmpty();
        assertThat(HostJson.read(Json.parse(entry("req\u001b[2J")))).isEmpty();
    }
}
