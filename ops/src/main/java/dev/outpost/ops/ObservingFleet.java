package dev.outpost.ops;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A {@link Fleet} that hands every successful answer of every call (the bot's and the rules') to a
 * listener as an {@link Observation}: the usual listener offers it to a {@link RulesEngine} and
 * appends it to a {@link ResultJournal}. A listener that throws (anything, an {@link Error} too) is
 * counted and logged; the call's answers are returned all the same.
 */
public final class ObservingFleet implements Fleet {
    private static final Logger LOG = LoggerFactory.getLogger(ObservingFleet.class);
    private final Fleet fleet;
    private final Consumer<Observation> listener;
    private final AtomicLong listenerFailures = new AtomicLong();

    /** Observes the answers {@code fleet} gives. */
    public ObservingFleet(Fleet fleet, Consumer<Observation> listener) {
        this.fleet = Objects.requireNonNull(fleet, "fleet");
        this.listener = Objects.requireNonNull(listener, "listener");
    }

    /** Times the listener threw. */
    public long listenerFailures() {
        return listenerFailures.get();
    }

    @Override
    public List<Server> servers() {
        return fleet.servers();
    }

    @Override
    public Optional<Server> server(String id) {
        return fleet.server(id);
    }

    @Override
    public List<Server> select(String selector) {
        return fleet.select(selector);
    }

    @Override
    public List<HostAnswer> call(String selector, String collector, Map<String, String> params, Duration timeout) {
        List<HostAnswer> answers = fleet.call(selector, collector, params, timeout);
        // the hosts' tags read once for the call: a server(id) per answer read the whole inventory per answer
        Map<String, Set<String>> tagsById = null;
        boolean inventoryFailed = false;
        for (HostAnswer a : answers) {
            if (!a.ok()) {
                continue;
            }
            try {
                if (tagsById == null && !inventoryFailed) {
                    try {
                        Map<String, Set<String>> m = new java.util.HashMap<>();
                        fleet.servers().forEach(s -> m.put(s.id(), Set.copyOf(s.tags())));
                        tagsById = m;
                    } catch (RuntimeException e) { // a fleet too large to list at once: one host at a time
                        inventoryFailed = true;
                        LOG.debug("listing the servers for {}'s answers failed; read one by one", collector, e);
                    }
                }
                Set<String> tags = tagsById != null ? tagsById.getOrDefault(a.host(), Set.of())
                        : fleet.server(a.host()).map(s -> Set.copyOf(s.tags())).orElse(Set.of());
                listener.accept(new Observation(a.host(), collector, tags, a.body()));
            } catch (Throwable e) { // user code boundary: an observer never loses an answer
                listenerFailures.incrementAndGet();
                LOG.warn("observing {}'s answer to {} failed", a.host(), collector, e);
            }
        }
        return answers;
    }
}
