package dev.outpost.host.internal;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.io.ByteArrayInputStream;
import java.io.EOFException;
import java.io.IOException;

/**
 * The record API's request parser is total on hostile bytes: the head parser returns a head within
 * its limits or refuses with a 4xx/5xx status (an empty stream is an EOF), and the body parser
 * returns a checked record request or refuses naming a field; nothing else escapes. The default
 * build replays the seeds under {@code RecordRequestFuzzTestInputs/}; {@code -Pfuzz} fuzzes.
 */
class RecordRequestFuzzTest {

    @FuzzTest(maxDuration = "2m")
    void requestIsTotal(byte[] bytes) throws IOException {
        ByteArrayInputStream in = new ByteArrayInputStream(bytes);
        HttpRequestHead head;
        try {
            head = HttpRequestHead.read(in);
        } catch (HttpRequestHead.Bad bad) {
            assertThat(bad.status()).isBetween(400, 505);
            return;
        } catch (EOFException closed) {
            assertThat(bytes).isEmpty();
            return;
        }
        assertThat(head.headers()).hasSizeLessThanOrEqualTo(HttpRequestHead.MAX_HEADERS);
        assertThat(head.path()).startsWith("/").doesNotContain("?");
        assertThat(head.method()).matches("[A-Z]{1,16}");
        assertThat(head.headers()).doesNotContainKey("transfer-encoding");
        head.contentLength().ifPresent(n -> assertThat(n).isNotNegative());
        byte[] body = in.readAllBytes();
        try {
            RecordApi.Parsed p = RecordApi.parse(body);
            assertThat(p.source()).isNotNull();
            assertThat(p.requestId()).isNotNull();
            assertThat(p.data()).isNotNull();
            p.measuredAt().ifPresent(t -> assertThat(t.getEpochSecond()).isBetween(-31557014167219200L, 31556889864403199L));
        } catch (RecordApi.Refused refused) {
            assertThat(refused.field()).isNotBlank();
            assertThat(refused.getMessage()).isNotBlank();
        }
    }
}
