package dev.outpost.core.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.NullNode;
import dev.outpost.CollectorException;
import dev.outpost.ErrorCodes;
import dev.outpost.ErrorInfo;
import dev.outpost.Json;
import dev.outpost.Request;
import dev.outpost.core.RunContext;
import dev.outpost.Ids;
import dev.outpost.spi.Sender;
import java.time.Instant;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs one collector call the same way for the worker and the scheduler: deadline with
 * interrupt, every {@link Throwable} caught, the result turned into JSON, failures turned into
 * error documents that carry no exception text from unexpected failures (that stays in the log,
 * under an incident id the error names).
 */
public final class CollectorRunner {
    private static final Logger log = LoggerFactory.getLogger("dev.outpost.Collector");
    private static final int MAX_MESSAGE = 1000;

    private final String owner;
    private final Deadlines deadlines;
    private final LongSupplier ticker;

    public CollectorRunner(String owner, Deadlines deadlines, LongSupplier ticker) {
        this.owner = owner;
        this.deadlines = deadlines;
        this.ticker = ticker;
    }

    /** What a run came to. */
    public sealed interface Outcome permits Ok, Failed {}

    /** The collector returned; {@code result} is its value as JSON. */
    public record Ok(JsonNode result, long nanos) implements Outcome {}

    /** The collector failed, timed out, or returned something that is not JSON. */
    public record Failed(ErrorInfo error, boolean retryable, boolean timedOut, long nanos) implements Outcome {}

    /**
     * Runs {@code entry} for {@code request} on the calling thread.
     *
     * @param deadline the wall-clock deadline the context reports
     * @param progress receives {@link CollectorContext#progress} calls
     */
    public Outcome run(CollectorEntry entry, Request request, Optional<Sender> sender, int attempt, Instant deadline,
            Consumer<String> progress) {
        String name = entry.collector().name();
        long t0 = ticker.getAsLong();
        long deadlineNanos = t0 + Expiries.nanos(entry.timeout()); // a scheduled job's may be past 292 years
        RunContext ctx = new RunContext(ticker, deadline, deadlineNanos, sender, attempt, entry.settings(), progress);
        Object result = null;
        Throwable failure = null;
        boolean timedOut;
        try (Deadlines.Ticket ticket = deadlines.watch(deadlineNanos)) {
            try (Tracing.Run span = Tracing.enter(request, owner)) {
                try {
                    result = entry.collector().collect(request, ctx);
                } catch (Throwable t) { // user code: Errors included, the loop goes on
                    failure = t;
                    span.failed(t);
                }
            }
            timedOut = ticket.timedOut();
        }
        long nanos = ticker.getAsLong() - t0;
        if (timedOut) {
            return new Failed(new ErrorInfo(ErrorCodes.TIMEOUT, "collector '" + name + "' ran past its timeout of "
                    + entry.timeout()), true, true, nanos);
        }
        if (failure instanceof CollectorException ce) {
            return new Failed(new ErrorInfo(ce.code(), truncate(String.valueOf(ce.getMessage()))), ce.isRetryable(), false, nanos);
        }
        if (failure != null) {
            String incident = incident("collector '" + name + "' failed on request " + request.id(), failure);
            return new Failed(new ErrorInfo(ErrorCodes.COLLECTOR_FAILED, "collector '" + name + "' failed unexpectedly (incident "
                    + incident + " in the worker's log)"), true, false, nanos);
        }
        try {
            JsonNode node = result == null ? NullNode.getInstance() : result instanceof JsonNode n ? n : Json.toReadOnlyTree(result);
            return new Ok(node, nanos);
        } catch (RuntimeException e) {
            String incident = incident("collector '" + name + "' returned a value that is not JSON-serialisable", e);
            return new Failed(new ErrorInfo(ErrorCodes.UNSERIALISABLE_RESULT, "collector '" + name
                    + "' returned a value that is not JSON-serialisable (incident " + incident + " in the worker's log)"),
                    false, false, nanos);
        }
    }

    /** Logs {@code t} in full under a new incident id and returns the id, which is all a remote caller sees. */
    public String incident(String what, Throwable t) {
        String id = Ids.next();
        log.warn("{}: {} (incident {})", owner, what, id, t);
        return id;
    }

    static String truncate(String s) {
        return s.length() <= MAX_MESSAGE ? s : s.substring(0, MAX_MESSAGE) + "…";
    }

    /** A result that breaks the collector's result schema is a bug in the collector: an error, not retried. */
    public Outcome checkResult(CollectorEntry entry, Ok ok, String workerId) {
        java.util.List<String> violations = entry.resultSchema().orElseThrow().violations(ok.result());
        if (violations.isEmpty()) {
            return ok;
        }
        String detail = "the result of '" + entry.collector().name() + "' does not satisfy its result schema: "
                + String.join("; ", violations.subList(0, Math.min(5, violations.size())));
        LoggerFactory.getLogger("dev.outpost.Worker").warn("worker {}: {}", workerId, detail);
        return new Failed(new ErrorInfo(ErrorCodes.INVALID_RESULT, Finisher.truncate(detail)), false, false, ok.nanos());
    }
}
