package dev.outpost.core.internal;

import dev.outpost.RejectReason;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Refused deliveries, counted by reason and logged at WARN at most once per reason per interval:
 * a flood of hostile messages cannot flood the log, and the line after a quiet spell says how
 * many were not logged.
 */
final class Refusals {
    private static final Logger log = LoggerFactory.getLogger("dev.outpost.Worker");
    /** One WARN line per reason per this many nanoseconds. */
    static final long INTERVAL_NANOS = 60_000_000_000L;

    private final String workerId;
    private final LongSupplier ticker;
    private final Map<String, Reason> byReason = new ConcurrentHashMap<>();

    Refusals(String workerId, LongSupplier ticker) {
        this.workerId = workerId;
        this.ticker = ticker;
    }

    /** Counts a refusal; returns the WARN line when one was logged for it. */
    java.util.Optional<String> record(RejectReason reason, String detail) {
        Reason r = byReason.computeIfAbsent(reason.code(), k -> new Reason(ticker.getAsLong() - INTERVAL_NANOS));
        r.count.increment();
        long now = ticker.getAsLong();
        long last = r.lastLogged.get();
        if (now - last >= INTERVAL_NANOS && r.lastLogged.compareAndSet(last, now)) {
            long suppressed = r.suppressed.getAndSet(0);
            String line = "worker " + workerId + " refused a request (" + reason.code() + "): " + Finisher.truncate(detail)
                    + (suppressed == 0 ? "" : " [" + suppressed + " more refused for this reason since the last line]");
            log.warn(line);
            return java.util.Optional.of(line);
        }
        r.suppressed.incrementAndGet();
        log.debug("worker {} refused a request ({}): {}", workerId, reason.code(), Finisher.truncate(detail));
        return java.util.Optional.empty();
    }

    /**
     * Counts a refusal a request filter chose to make silently (no answer, no dead-letter copy: a
     * broadcast that does not select this host), logged at DEBUG only: it is routine, not a warning.
     */
    void recordQuietly(RejectReason reason, String detail) {
        byReason.computeIfAbsent(reason.code(), k -> new Reason(ticker.getAsLong() - INTERVAL_NANOS)).count.increment();
        log.debug("worker {} quietly refused a request ({}): {}", workerId, reason.code(), Finisher.truncate(detail));
    }

    /** Refusals so far by reason code. */
    Map<String, Long> snapshot() {
        Map<String, Long> out = new TreeMap<>();
        byReason.forEach((k, v) -> out.put(k, v.count.sum()));
        return out;
    }

    private static final class Reason {
        final LongAdder count = new LongAdder();
        final AtomicLong lastLogged;
        final AtomicLong suppressed = new AtomicLong();

        Reason(long lastLogged) {
            this.lastLogged = new AtomicLong(lastLogged);
        }
    }
}
