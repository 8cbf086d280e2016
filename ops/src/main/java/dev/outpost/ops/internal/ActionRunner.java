package dev.outpost.ops.internal;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.outpost.ops.Fleet;
import dev.outpost.ops.HostAnswer;
import dev.outpost.ops.Rule;
import dev.outpost.ops.RulesEngine;
import dev.outpost.spi.Registry;
import dev.outpost.spi.RegistryEntry;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Does a rule's filled action (or an undo's): calls the fleet, writes the registry, or notifies. */
public final class ActionRunner {
    private static final Logger LOG = LoggerFactory.getLogger(RulesEngine.class);
    private final Fleet fleet;
    private final Optional<Registry> registry;
    private final Duration callTimeout;
    private final Consumer<String> notifier;
    private final Runnable hostFailed;

    /** {@code hostFailed} runs once for every host of a call that did not answer ok. */
    public ActionRunner(Fleet fleet, Optional<Registry> registry, Duration callTimeout, Consumer<String> notifier,
            Runnable hostFailed) {
        this.fleet = fleet;
        this.registry = registry;
        this.callTimeout = callTimeout;
        this.notifier = notifier;
        this.hostFailed = hostFailed;
    }

    /** Does {@code a}; false when a host it called did not answer ok. */
    public boolean run(Rule.Action a, String host) {
        switch (a.kind()) {
            case CALL -> {
                String selector = a.target().equals("self") ? "host:" + host : a.target();
                List<HostAnswer> answers = fleet.call(selector, a.collector(), a.params(), callTimeout);
                answers.stream().filter(x -> !x.ok()).forEach(x -> {
                    hostFailed.run();
                    // the host's text: JSON leaves U+2028 and bidi overrides as they are, and an answer may be large
                    LOG.warn("{} on {} failed: {}", Text.oneLine(a.collector()), Text.oneLine(x.host()),
                            Text.oneLine(Text.clip(x.body().toString(), 500)));
                });
                return answers.stream().allMatch(HostAnswer::ok);
            }
            case REGISTRY -> {
                Registry reg = registry.orElseThrow(() -> new IllegalStateException("no registry for " + a.key()));
                if (a.params().isEmpty()) {
                    reg.delete(a.key());
                    return true;
                }
                ObjectNode value = JsonNodeFactory.instance.objectNode();
                a.params().forEach(value::put);
                Optional<RegistryEntry> old = reg.get(a.key());
                if (old.isPresent()) {
                    reg.replace(a.key(), value, old.get().version());
                } else {
                    reg.register(a.key(), value, Optional.empty());
                }
                return true;
            }
            case NOTIFY -> {
                notifier.accept(a.message());
                return true;
            }
            default -> throw new IllegalStateException("unknown action " + a.kind());
        }
    }
}
