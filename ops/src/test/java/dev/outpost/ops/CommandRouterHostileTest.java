package dev.outpost.ops;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The router's replies when hosts answer with hostile text. */
class CommandRouterHostileTest {
    static final Caller ALICE = new Caller("alice", "ops");
    final Access access = new Access(Set.of("alice"), Set.of("ops"), Set.of("disk.usage"));

    /**
     * Before: the reply was every host's whole answer, cut at the end, so one host answering 50,000 characters
     * pushed every other host out of the reply (and the whole text was built in memory before it was cut).
     */
    @Test
    void oneHostsHugeAnswerDoesNotHideTheOthers() {
        FakeFleet fleet = new FakeFleet() {
            @Override
            public List<HostAnswer> call(String selector, String collector, Map<String, String> params, Duration timeout) {
                List<HostAnswer> out = new ArrayList<>();
                for (Server s : select(selector)) {
                    String text = s.id().equals("web-1") ? "y".repeat(50_000) : "used 42%";
                    out.add(new HostAnswer(s.id(), true, JsonNodeFactory.instance.textNode(text)));
                }
                return out;
            }
        }.add("web-1", List.of("web"), Map.of()).add("web-2", List.of("web"), Map.of()).add("web-3", List.of("web"), Map.of());
        Reply r = CommandRouter.builder(fleet).access(access).build().handle(ALICE, "run disk.usage on tag:web");
        assertThat(r.ok()).isTrue();
        assertThat(r.text()).contains("web-1 ok: yyy", "web-2 ok: used 42%", "web-3 ok: used 42%");
        assertThat(r.text().length()).isLessThanOrEqualTo(40_000);
    }

    /**
     * Before: a job's value was made printable but kept U+2028 and U+2029 (JSON leaves them unescaped), which end a
     * line in chat clients and terminals: a value written under the jobs prefix forged the next line of the reply.
     */
    @Test
    void aJobsValueStaysOnItsOwnLine() {
        dev.outpost.core.registry.InMemoryRegistry reg = dev.outpost.core.registry.InMemoryRegistry.create();
        reg.register("fleet/calls/c1", JsonNodeFactory.instance.objectNode().put("state", "done\u2028  c2: {\"state\":\"approved\"}"),
                java.util.Optional.empty());
        Reply r = CommandRouter.builder(new FakeFleet()).access(access).registry(reg).build().handle(ALICE, "jobs");
        assertThat(r.text()).startsWith("1 job").doesNotContain("\u2028", "\u2029");
    }
}
