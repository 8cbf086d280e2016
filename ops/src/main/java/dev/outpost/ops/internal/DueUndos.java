package dev.outpost.ops.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.outpost.ops.Rule;
import dev.outpost.ops.RulesEngine;
import dev.outpost.spi.Registry;
import dev.outpost.spi.RegistryEntry;
import dev.outpost.spi.RegistryPage;
import java.time.Duration;
import java.time.Instant;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The rules engine's stored undos: finds those due, claims each (compare-and-delete), does it, and
 * stores a failed one again after a doubling pause. Used by the engine's loop thread only.
 */
public final class DueUndos {
    private static final Logger LOG = LoggerFactory.getLogger(RulesEngine.class);
    private static final int MAX_UNREADABLE_REPORTED = 10_000;
    private final Registry registry;
    private final String store;
    private final Duration poll;
    private final Duration maxPause;
    private final ActionRunner actions;
    private final Consumer<String> notifier;
    private final Function<String, AtomicLong> counters;
    private final Map<String, List<Rule>> rules;
    /** Stored undos whose due time cannot be read, already reported: one log line each, not one per poll. */
    private final Set<String> unreadable = new HashSet<>();
    /** Stored undos refused by their check, already reported: once each, as the unreadable ones. */
    private final Set<String> rejected = new HashSet<>();
    /** Claimed undos that failed and that the registry would not take back: stored again at the next poll. */
    private final Map<String, ObjectNode> unstored = new LinkedHashMap<>();

    /** Undos under {@code store} in {@code registry}; {@code counters} names the engine's counters. */
    public DueUndos(Registry registry, String store, Duration poll, Duration maxPause, ActionRunner actions,
            Consumer<String> notifier, Function<String, AtomicLong> counters, List<Rule> rules) {
        this.registry = registry;
        this.store = store;
        this.poll = poll;
        this.maxPause = maxPause;
        this.actions = actions;
        this.notifier = notifier;
        this.counters = counters;
        this.rules = rules.stream().collect(java.util.stream.Collectors.groupingBy(Rule::name));
    }

    /** Stores again the undos the registry would not take back, then does every undo due at {@code now}. */
    public void runDue(Instant now) {
        unstored.entrySet().removeIf(u -> store(u.getKey(), u.getValue()));
        // every page, one at a time: in key (creation) order, an undo due soon may follow a thousand due later
        Optional<String> token = Optional.empty();
        do {
            RegistryPage page = registry.list(store, Registry.MAX_PAGE_SIZE, token);
            token = page.nextPageToken();
            runDue(page.entries(), now);
        } while (token.isPresent());
    }

    private void runDue(List<RegistryEntry> entries, Instant now) {
        for (RegistryEntry e : entries) {
            JsonNode v = e.value();
            Instant due;
            try {
                due = Instant.parse(v.path("due").asText());
            } catch (RuntimeException bad) {
                // left in place for an operator to read or delete; the registry is only ever written by engines
                if (unreadable.size() < MAX_UNREADABLE_REPORTED && unreadable.add(e.key())) {
                    counters.apply("unreadable").incrementAndGet();
                    LOG.warn("skipping undo {}: its due time is unreadable; it stays stored until deleted", shown(e.key()));
                }
                continue;
            }
            if (due.isAfter(now)) {
                continue;
            }
            Rule.Action action;
            try {
                action = StoredUndo.check(v, rules);
            } catch (StoredUndo.Rejected bad) {
                // anyone who can write the store could have collectors called: only what a rule here could have stored runs
                if (rejected.size() < MAX_UNREADABLE_REPORTED && rejected.add(e.key())) {
                    counters.apply("undos-rejected").incrementAndGet();
                    LOG.warn("skipping undo {}: {}; it stays stored until deleted", shown(e.key()), bad.getMessage());
                }
                continue;
            }
            try {
                // claim it first (compare-and-delete): two engines over one registry undo once
                if (!registry.delete(e.key(), e.version())) {
                    continue;
                }
            } catch (RuntimeException conflict) {
                continue;
            }
            try {
                if (!actions.run(action, v.path("host").asText())) {
                    throw new IllegalStateException("not every host it targets answered ok");
                }
            } catch (Throwable failed) { // claimed but not done: stored again, never lost
                counters.apply("failures").incrementAndGet();
                // tried again after a doubling pause (a poll, up to 15 minutes): a host down for hours costs few calls
                int attempts = v.path("attempts").asInt(0) + 1;
                Duration pause = poll.multipliedBy(1L << Math.min(attempts, 20));
                pause = pause.compareTo(maxPause) > 0 ? maxPause : pause;
                ObjectNode again = ((ObjectNode) v.deepCopy()).put("attempts", attempts).put("due", now.plus(pause).toString());
                LOG.warn("undo {} failed (attempt {}); tried again at {}", shown(e.key()), attempts, now.plus(pause), failed);
                if (!store(e.key(), again)) {
                    unstored.put(e.key(), again); // claimed (deleted) already: kept here rather than lost
                }
                continue;
            }
            counters.apply("undone").incrementAndGet();
            notifier.accept("rule " + Text.oneLine(v.path("rule").asText()) + " undone on "
                    + Text.oneLine(v.path("host").asText()));
        }
    }

    /**
     * At stop, the undos only this engine holds (the registry would not take them back) are tried once
     * more; nothing would remember the rest, so each is logged, announced and counted for an operator to do.
     */
    public void storeOrReportKept() {
        unstored.entrySet().removeIf(u -> store(u.getKey(), u.getValue()));
        unstored.forEach((key, undo) -> {
            counters.apply("undos-lost").incrementAndGet();
            String what = "rule " + Text.oneLine(undo.path("rule").asText()) + " on " + Text.oneLine(undo.path("host").asText())
                    + ": its undo was lost (the registry would not take it back before the engine stopped); do it by hand: "
                    + Actions.describeStored(undo.path("action"));
            LOG.error("undo {}: {}", shown(key), what);
            try {
                notifier.accept(what);
            } catch (Throwable e) { // user code (the chat) boundary: the log line above stands
                counters.apply("failures").incrementAndGet();
                LOG.warn("announcing a lost undo failed", e);
            }
        });
        unstored.clear();
    }

    /** Stores {@code undo} under {@code key}; false when the registry refused it (down, or a partition). */
    private boolean store(String key, ObjectNode undo) {
        try {
            registry.register(key, undo, Optional.empty());
            return true;
        } catch (RuntimeException | Error e) { // the registry is user code: an Error here lost a claimed undo
            LOG.warn("undo {} could not be stored again; tried at the next poll: {}", shown(key), e.toString());
            return false;
        }
    }

    /** A stored undo's key, for a log line: its writer chose it, and a registry key refuses controls only. */
    private static String shown(String key) {
        return Text.oneLine(Text.clip(key, 300));
    }
}
