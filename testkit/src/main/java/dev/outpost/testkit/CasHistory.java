package dev.outpost.testkit;

import com.fasterxml.jackson.databind.JsonNode;
import dev.outpost.spi.JsonMergePatch;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * A recorded history of concurrent operations on registry keys, and a per-key linearizability
 * check of it.
 *
 * <p>Record each operation with the {@link System#nanoTime()} before it was invoked and after it
 * returned. The registry's versions make the check linear in the history's size: every successful
 * write of a key produces a distinct version, so the order of writes is known, and the history is
 * linearizable (a versioned register's history, as Gibbons and Korach show for reads-from maps)
 * exactly when:
 *
 * <ol>
 *   <li>the successful writes of a key have versions that follow one another (no gap, no repeat);
 *   <li>each write is consistent with its predecessor: a replace expected the predecessor's
 *       version, an update's value is the predecessor's value with the patch applied;
 *   <li>writes respect real time: a write that returned before another was invoked has the lower
 *       version;
 *   <li>every observation (a read, or a conflict that reported the current version) saw a version
 *       that was already invoked before the observation returned and not yet overwritten by a write
 *       that returned before the observation was invoked, with that version's value.
 * </ol>
 *
 * <p>Absence is version 0 with no value. Thread-safe.
 */
public final class CasHistory {
    private final List<Op> ops = Collections.synchronizedList(new ArrayList<>());

    /** A successful write (register, replace or update) that returned {@code version} and {@code value}. */
    public void write(String key, long start, long end, long expectedVersion, JsonNode patch, long version, JsonNode value) {
        ops.add(new Op(Kind.WRITE, key, start, end, expectedVersion, patch, version, value));
    }

    /**
     * A successful replace of {@code expectedVersion} by {@code value}, which got {@code version}.
     */
    public void replaced(String key, long start, long end, long expectedVersion, long version, JsonNode value) {
        write(key, start, end, expectedVersion, null, version, value);
    }

    /** A successful merge-patch update that produced {@code version} and {@code value}. */
    public void updated(String key, long start, long end, JsonNode patch, long version, JsonNode value) {
        write(key, start, end, -1, Objects.requireNonNull(patch, "patch"), version, value);
    }

    /** A read (or a conflict reporting the actual version) that saw {@code version} ({@code 0}: absent). */
    public void observed(String key, long start, long end, long version, JsonNode valueOrNull) {
        ops.add(new Op(Kind.READ, key, start, end, -1, null, version, valueOrNull));
    }

    /** How many operations were recorded. */
    public int size() {
        return ops.size();
    }

    /** The violations found, one line each; empty when every key's history is linearizable. */
    public List<String> violations(Map<String, JsonNode> initialValues) {
        Map<String, List<Op>> byKey = new TreeMap<>();
        synchronized (ops) {
            for (Op op : ops) {
                byKey.computeIfAbsent(op.key, k -> new ArrayList<>()).add(op);
            }
        }
        List<String> out = new ArrayList<>();
        for (Map.Entry<String, List<Op>> e : byKey.entrySet()) {
            check(e.getKey(), e.getValue(), initialValues.get(e.getKey()), out);
        }
        return out;
    }

    private static void check(String key, List<Op> history, JsonNode initial, List<String> out) {
        Map<Long, Op> writes = new HashMap<>();
        long first = Long.MAX_VALUE;
        long last = 0;
        for (Op op : history) {
            if (op.kind == Kind.WRITE) {
                if (writes.put(op.version, op) != null) {
                    out.add(key + ": two writes returned version " + op.version);
                }
                first = Math.min(first, op.version);
                last = Math.max(last, op.version);
            }
        }
        if (writes.isEmpty()) {
            return;
        }
        long base = first - 1; // the version the key had before the history (its value is `initial`)
        for (long v = first; v <= last; v++) {
            Op w = writes.get(v);
            if (w == null) {
                out.add(key + ": no write returned version " + v + " though " + last + " was returned");
                continue;
            }
            JsonNode before = v - 1 == base ? initial : writes.containsKey(v - 1) ? writes.get(v - 1).value : null;
            if (w.patch == null && w.expected != v - 1) {
                out.add(key + ": replace expecting version " + w.expected + " produced version " + v);
            }
            if (w.patch != null && before != null && !JsonMergePatch.apply(before, w.patch).equals(w.value)) {
                out.add(key + ": update to version " + v + " lost a write: " + before + " + " + w.patch + " gave " + w.value);
            }
        }
        // real time between writes: sort by version; a later version must not have returned before
        // an earlier one was invoked
        List<Op> ordered = new ArrayList<>(writes.values());
        ordered.sort((a, b) -> Long.compare(a.version, b.version));
        long maxStartSoFar = Long.MIN_VALUE;
        Op maxStartOp = null;
        for (Op w : ordered) {
            if (maxStartOp != null && w.end < maxStartSoFar) {
                out.add(key + ": version " + w.version + " returned before version " + maxStartOp.version
                        + " was invoked (real-time order broken)");
            }
            if (w.start > maxStartSoFar) {
                maxStartSoFar = w.start;
                maxStartOp = w;
            }
        }
        for (Op r : history) {
            if (r.kind != Kind.READ) {
                continue;
            }
            long v = r.version;
            if (v < base || v > last) {
                if (v != base) {
                    out.add(key + ": observed version " + v + " that no write produced");
                }
                continue;
            }
            if (v > base) {
                Op w = writes.get(v);
                if (w == null) {
                    continue;
                }
                if (w.start > r.end) {
                    out.add(key + ": observed version " + v + " before its write was invoked");
                }
                if (r.value != null && !r.value.equals(w.value)) {
                    out.add(key + ": observed version " + v + " with value " + r.value + ", written was " + w.value);
                }
            } else if (r.value != null && initial != null && !r.value.equals(initial)) {
                out.add(key + ": observed the initial version with value " + r.value);
            }
            Op next = writes.get(v + 1);
            if (next != null && next.end < r.start) {
                out.add(key + ": observed version " + v + " after version " + (v + 1) + " had returned (stale read)");
            }
        }
    }

    private enum Kind { WRITE, READ }

    private record Op(Kind kind, String key, long start, long end, long expected, JsonNode patch, long version, JsonNode value) {}
}
