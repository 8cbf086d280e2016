package dev.outpost.core.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import dev.outpost.ErrorCodes;
import dev.outpost.ErrorInfo;
import dev.outpost.Ids;
import dev.outpost.Json;
import dev.outpost.Request;
import dev.outpost.Response;
import dev.outpost.ResponseStatus;
import dev.outpost.spi.Registry;
import dev.outpost.spi.RegistryEntry;
import dev.outpost.spi.RegistryException;
import dev.outpost.spi.Sender;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.BiConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The worker's idempotency store: key → outcome in a {@link Registry}.
 *
 * <p>Entry key: {@code NAMESPACE/sha256(sender NUL key)}, so a hostile key never reaches the
 * registry's key syntax and one sender's keys never meet another's. Value: the operation's
 * fingerprint (sha256 of collector, target and params) and either {@code running} (by which worker
 * and which process, with a lease as the entry's ttl) or {@code done} with the response, kept for
 * the configured ttl.
 *
 * <p>Order: claim (register {@code running}) → run → record {@code done} → publish → ack. A crash
 * after the record answers the redelivery from the store; a crash during the run leaves a
 * {@code running} entry that the same worker id takes over at once after its restart (another
 * process instance) and that other workers wait out until its lease ends.
 */
public final class Idempotency {
    private static final Logger log = LoggerFactory.getLogger("dev.outpost.Worker");
    private static final String RUNNING = "running";
    private static final String DONE = "done";

    private final Registry registry;
    private final String namespace;
    private final Duration ttl;
    private final String workerId;
    private final Clock clock;
    /** This process's instance: a running entry of our worker id with another instance was left by a crash. */
    private final String instance = Ids.next();
    final LongAdder replayed = new LongAdder();
    final LongAdder conflicts = new LongAdder();
    final LongAdder busy = new LongAdder();
    final LongAdder recordFailures = new LongAdder();

    /**
     * Whether the store answers {@link Registry#registerAsync} from its own commit ({@link
     * Registry#writesAsync}), not on the caller's thread: only then does waiting off a slot gain anything.
     */
    boolean storeCommitsAsync() {
        return registry.writesAsync();
    }

    /** What the store says about a request with a key. */
    sealed interface Claim {}

    /** The run is ours: record its outcome under {@code key} at {@code version}. */
    record Held(String key, String fingerprint, long version) implements Claim {}

    /** Ran before: answer {@code response} (already addressed to this request). */
    record Stored(Response response) implements Claim {}

    /** The key stands for another operation of this sender. */
    record Conflict(String detail) implements Claim {}

    /** A run under this key is going on elsewhere: come back later. */
    record Busy(String detail) implements Claim {}

    public Idempotency(Registry registry, String namespace, Duration ttl, String workerId, Clock clock) {
        this.registry = registry;
        this.namespace = namespace;
        this.ttl = ttl;
        this.workerId = workerId;
        this.clock = clock;
    }

    /**
     * Claims {@code key} for {@code request}. Registry failures propagate: the delivery is then
     * retried by the worker's internal-failure policy, never run unrecorded.
     *
     * @param lease how long a running claim holds others off (the run's timeout plus a margin)
     */
    Claim claim(Request request, Optional<Sender> sender, String key, Duration lease) {
        return claim(request, entryKey(sender, key), fingerprint(request), key, lease);
    }

    /**
     * {@link #claim} without holding the caller's thread while the claim commits: the common case
     * (a new key) is one {@link Registry#registerAsync}; the reads a used key needs, and {@code then}
     * with the answer (or the failure {@code claim} would throw), run on {@code executor}, always:
     * a continuation attached to a returned future would run on the caller's thread whenever the
     * claim completed first, and there (a worker's only poller) a collector waiting for its key held
     * up every receive.
     */
    void claimAsync(Request request, Optional<Sender> sender, String key, Duration lease, Executor executor,
            BiConsumer<Claim, Throwable> then) {
        String rkey = entryKey(sender, key);
        String fp = fingerprint(request);
        registry.registerAsync(rkey, running(fp), Optional.of(lease)).whenCompleteAsync((entry, failure) -> {
            Claim claim;
            try {
                if (failure == null) {
                    claim = new Held(rkey, fp, entry.version());
                } else if (Finisher.unwrap(failure) instanceof RegistryException.KeyExists) {
                    claim = claim(request, rkey, fp, key, lease); // used before: read it and say how
                } else {
                    then.accept(null, failure);
                    return;
                }
            } catch (Throwable t) {
                then.accept(null, t);
                return;
            }
            then.accept(claim, null);
        }, executor);
    }

    private String entryKey(Optional<Sender> sender, String key) {
        return namespace + "/" + CanonicalJson.sha256(sender.map(Sender::name).orElse("") + '\u0000' + key);
    }

    private static String fingerprint(Request request) {
        return CanonicalJson.sha256(TextNode.valueOf(request.collector()), TextNode.valueOf(request.target().orElse("")),
                request.params());
    }

    private Claim claim(Request request, String rkey, String fp, String key, Duration lease) {
        for (int tries = 0; tries < 3; tries++) {
            try {
                // a new key is the common case: one write, no read
                return new Held(rkey, fp, registry.register(rkey, running(fp), Optional.of(lease)).version());
            } catch (RegistryException.KeyExists used) {
                // read it below
            }
            Optional<RegistryEntry> existing = registry.get(rkey);
            if (existing.isEmpty()) {
                continue; // expired or released in between
            }
            JsonNode v = existing.get().value();
            if (!fp.equals(v.path("fp").asText())) {
                conflicts.increment();
                return new Conflict("idempotency key '" + Finisher.truncate(key) + "' was used before by this sender"
                        + " for another operation (collector, target or params differ)");
            }
            if (DONE.equals(v.path("state").asText())) {
                replayed.increment();
                return new Stored(replay(request, v.path("response")));
            }
            if (workerId.equals(v.path("worker").asText()) && !instance.equals(v.path("instance").asText())) {
                // our own claim from before a crash: nobody runs it now, take it over
                try {
                    return new Held(rkey, fp, registry.replace(rkey, running(fp), existing.get().version(),
                            Optional.of(lease)).version());
                } catch (RegistryException.VersionConflict | RegistryException.NoSuchKey raced) {
                    continue;
                }
            }
            busy.increment();
            return new Busy("a run under this idempotency key is in progress on worker "
                    + Finisher.truncate(v.path("worker").asText()));
        }
        busy.increment();
        return new Busy("the idempotency key changed hands while it was claimed");
    }

    /** Records the outcome before the answer is published; a failure is logged and counted, the answer still goes. */
    void record(Held held, Response response) {
        ObjectNode done = outcome(held, response);
        try {
            registry.replace(held.key(), done, held.version(), Optional.of(ttl));
        } catch (RuntimeException e) {
            recorded(held, response, done, e);
        }
    }

    /**
     * {@link #record} without holding the caller's thread while the outcome commits; completes
     * (never exceptionally) on {@code executor} once the outcome is kept or its failure logged.
     */
    CompletableFuture<Void> recordAsync(Held held, Response response, Executor executor) {
        ObjectNode done = outcome(held, response);
        return registry.replaceAsync(held.key(), done, held.version(), Optional.of(ttl)).handleAsync((entry, failure) -> {
            if (failure != null) {
                recorded(held, response, done, Finisher.unwrap(failure));
            }
            return null;
        }, executor);
    }

    private ObjectNode outcome(Held held, Response response) {
        ObjectNode done = Json.object().put("state", DONE).put("fp", held.fingerprint()).put("worker", workerId);
        ObjectNode r = done.putObject("response");
        r.put("status", response.status().code());
        response.result().ifPresent(x -> r.set("result", x));
        response.error().ifPresent(e -> r.putObject("error").put("code", e.code()).put("message", e.message()));
        r.put("worker", response.worker()).put("attempt", response.attempt())
                .put("startedAt", response.startedAt().toString()).put("finishedAt", response.finishedAt().toString());
        return done;
    }

    /** After a failed outcome write: a result too large to keep is replaced by the fact that the operation ran. */
    private void recorded(Held held, Response response, ObjectNode done, Throwable failure) {
        try {
            if (!(failure instanceof RegistryException.InvalidValue)) {
                throw failure instanceof RuntimeException re ? re : new CompletionException(failure);
            }
            // the operation ran: keep that fact even when its result does not fit
            ObjectNode r = (ObjectNode) done.get("response");
            r.remove("result");
            r.put("status", ResponseStatus.ERROR.code());
            r.putObject("error").put("code", ErrorCodes.OUTCOME_NOT_KEPT)
                    .put("message", "the operation ran once; its result was too large to keep for retries");
            registry.replace(held.key(), done, held.version(), Optional.of(ttl));
        } catch (RuntimeException e) {
            recordFailures.increment();
            log.warn("worker {}: the outcome of {} could not be recorded in the idempotency store ({}); a retry with the"
                    + " same key within its lease is told it is in progress, after that it runs again", workerId,
                    response.requestId(), e.toString());
        }
    }

    /** Gives the key up (a retryable failure: the next attempt claims it again). */
    void release(Held held) {
        try {
            registry.delete(held.key(), held.version());
        } catch (RuntimeException e) {
            log.debug("worker {}: releasing an idempotency claim failed ({}); its lease ends it", workerId, e.toString());
        }
    }

    private ObjectNode running(String fp) {
        return Json.object().put("state", RUNNING).put("fp", fp).put("worker", workerId).put("instance", instance)
                .put("since", clock.instant().toString());
    }

    /** The stored outcome, addressed to {@code request} (a retried call has a new request id). */
    private static Response replay(Request request, JsonNode r) {
        ResponseStatus status = ResponseStatus.fromCode(r.path("status").asText("error"));
        String worker = r.path("worker").asText("unknown");
        int attempt = Math.max(1, r.path("attempt").asInt(1));
        Instant started = instant(r.path("startedAt"));
        Instant finished = instant(r.path("finishedAt"));
        if (status == ResponseStatus.OK && r.has("result")) {
            return Response.ok(request, r.get("result"), worker, attempt, started, finished);
        }
        JsonNode e = r.path("error");
        return Response.failed(request, status == ResponseStatus.OK ? ResponseStatus.ERROR : status,
                new ErrorInfo(e.path("code").asText(ErrorCodes.OUTCOME_NOT_KEPT), e.path("message").asText("")),
                worker, attempt, started, finished);
    }

    private static Instant instant(JsonNode n) {
        try {
            return Instant.parse(n.asText());
        } catch (RuntimeException e) {
            return Instant.EPOCH;
        }
    }
}
