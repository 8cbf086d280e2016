package dev.outpost.fleet.internal;

import dev.outpost.Response;
import dev.outpost.spi.Decoded;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Consumer;

/**
 * Hands each answer the fleet's client receives to the call or ping it belongs to, on the
 * client's poller. Answers for calls already summarised are counted late (for a while); an answer
 * whose authenticated sender (a sealing codec's known-senders name) is not the host it names is
 * dropped and counted, so one known worker cannot answer in another's name.
 */
public final class AnswerRouter {
    private static final int REMEMBERED = 1024;

    /** A ping gathering answers, and what ends it (its deadline, or the fleet's shutdown: whichever comes first). */
    public record Ping(Consumer<Response> answer, Runnable end) {}

    private final Map<String, CallState> active = new ConcurrentHashMap<>();
    private final Map<String, Ping> pings = new ConcurrentHashMap<>();
    private final Set<CallState> holding = ConcurrentHashMap.newKeySet();
    private final Map<String, CallState> recent = new LinkedHashMap<>(64, 0.75f, false) {
        private static final long serialVersionUID = 1L;

        @Override
        protected boolean removeEldestEntry(Map.Entry<String, CallState> e) {
            return size() > REMEMBERED;
        }
    };
    private final LongAdder answers = new LongAdder();
    private final LongAdder late = new LongAdder();
    private final LongAdder unmatched = new LongAdder();
    private final LongAdder impostors = new LongAdder();

    /** Calls not settled yet, by request id. */
    public Map<String, CallState> active() {
        return active;
    }

    /** Calls settled whose summaries wait for listener calls still out (the fleet's shutdown lets them go). */
    public Set<CallState> holding() {
        return holding;
    }

    /** Pings gathering answers, by request id. */
    public Map<String, Ping> pings() {
        return pings;
    }

    public void route(Decoded<Response> decoded) {
        Response r = decoded.document();
        if (decoded.sender().isPresent() && !decoded.sender().get().name().equals(r.worker())) {
            impostors.increment();
            CallState cs = active.get(r.requestId());
            if (cs != null) {
                cs.onImpostor(r.worker(), decoded.sender().get().name()); // reported in that call's summary, never mixed in
            }
            return;
        }
        CallState cs = active.get(r.requestId());
        // counted once handed over: who waits for the count (tests, status) then finds the answer where it went
        if (cs != null) {
            cs.onResponse(r);
            answers.increment();
            return;
        }
        Ping ping = pings.get(r.requestId());
        if (ping != null) {
            ping.answer().accept(r);
            answers.increment();
            return;
        }
        CallState old;
        synchronized (recent) {
            old = recent.get(r.requestId());
        }
        if (old != null) {
            late.increment();
            old.onLate(r);
        } else {
            unmatched.increment();
        }
    }

    /** The call is settled: forgotten, its id kept a while to count late answers. */
    public void finished(CallState call) {
        active.remove(call.requestId(), call);
        synchronized (recent) {
            recent.put(call.requestId(), call);
        }
    }

    public long answers() {
        return answers.sum();
    }

    public long late() {
        return late.sum();
    }

    /** Answers for no call this fleet knows, and (a sealed fleet) answers signed by another host than they name. */
    public long unmatched() {
        return unmatched.sum();
    }

    public long impostors() {
        return impostors.sum();
    }
}
