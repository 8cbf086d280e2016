package dev.outpost.kv;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.outpost.testkit.CasHistory;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The linearizability checker finds what it must (it would be useless if it passed everything). */
class CasHistoryTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Map<String, JsonNode> INITIAL = Map.of("k/a", json("{\"v\":0}"));

    private static JsonNode json(String s) {
        try {
            return JSON.readTree(s);
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void aValidInterleavingPasses() {
        CasHistory h = new CasHistory();
        h.replaced("k/a", 0, 10, 1, 2, json("{\"v\":1}"));
        h.observed("k/a", 5, 15, 1, json("{\"v\":0}")); // overlaps the write: may see the old value
        h.updated("k/a", 12, 20, json("{\"u\":1}"), 3, json("{\"v\":1,\"u\":1}"));
        h.observed("k/a", 21, 22, 3, json("{\"v\":1,\"u\":1}"));
        assertThat(h.violations(INITIAL)).isEmpty();
    }

    @Test
    void aStaleReadIsFound() {
        CasHistory h = new CasHistory();
        h.replaced("k/a", 0, 10, 1, 2, json("{\"v\":1}"));
        h.observed("k/a", 11, 12, 1, json("{\"v\":0}")); // version 2 had returned before this read began
        assertThat(h.violations(INITIAL)).singleElement().asString().contains("stale read");
    }

    @Test
    void aLostUpdateIsFound() {
        CasHistory h = new CasHistory();
        h.updated("k/a", 0, 10, json("{\"a\":1}"), 2, json("{\"v\":0,\"a\":1}"));
        h.updated("k/a", 0, 10, json("{\"b\":1}"), 3, json("{\"v\":0,\"b\":1}")); // built on version 1, not 2
        assertThat(h.violations(INITIAL)).singleElement().asString().contains("lost a write");
    }

    @Test
    void aCompareAndSetOnAStaleVersionThatSucceededIsFound() {
        CasHistory h = new CasHistory();
        h.replaced("k/a", 0, 10, 1, 2, json("{\"v\":1}"));
        h.replaced("k/a", 11, 20, 1, 3, json("{\"v\":2}"));
        assertThat(h.violations(INITIAL)).anyMatch(v -> v.contains("replace expecting version 1 produced version 3"));
    }

    @Test
    void realTimeOrderIsChecked() {
        CasHistory h = new CasHistory();
        h.replaced("k/a", 20, 30, 2, 3, json("{\"v\":2}"));
        h.replaced("k/a", 0, 10, 1, 2, json("{\"v\":1}"));
        h.updated("k/a", 40, 50, json("{}"), 5, json("{\"v\":2}"));
        h.updated("k/a", 60, 70, json("{}"), 4, json("{\"v\":2}")); // version 4 invoked after version 5 returned
        assertThat(h.violations(INITIAL)).anyMatch(v -> v.contains("real-time order"));
    }
}
