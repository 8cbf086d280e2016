package dev.outpost.core.internal;

import dev.outpost.RejectReason;
import dev.outpost.Request;
import dev.outpost.core.RequestFilter;
import dev.outpost.spi.CodecException;
import dev.outpost.spi.Decoded;
import dev.outpost.spi.Delivery;
import dev.outpost.spi.Message;
import dev.outpost.spi.Received;
import java.util.List;
import java.util.Optional;

/**
 * Every check a delivery passes before its collector runs, in order: size, decoding, ttl,
 * duplicates, the collector (private, unknown, disallowed), the sender's rights, the reply
 * destination, the params schema. One answer: a {@link Verdict}.
 */
final class RequestChecks {
    private final WorkerSettings s;
    private final Optional<DedupeCache> dedupe;
    private final CollectorRunner runner;

    RequestChecks(WorkerSettings settings, Optional<DedupeCache> dedupe, CollectorRunner runner) {
        this.s = settings;
        this.dedupe = dedupe;
        this.runner = runner;
    }

    /** Decodes {@code f}'s message (setting its request and sender) and checks it. */
    Verdict check(InFlight f) {
        Delivery d = f.delivery;
        Message m = d.message();
        if (m.size() > s.maxMessageBytes()) {
            return reject(RejectReason.OVERSIZE, "message of " + m.size() + " bytes is over the worker's limit of "
                    + s.maxMessageBytes());
        }
        Decoded<Request> decoded;
        try {
            decoded = s.codec().decodeRequest(m.body(), new Received(d.messageId(), f.attempt()));
        } catch (CodecException e) {
            return reject(e.reason(), e.getMessage());
        } catch (RuntimeException e) {
            String incident = runner.incident("the codec failed on delivery " + d.id(), e);
            return reject(RejectReason.UNDECODABLE, "the codec failed unexpectedly (incident " + incident + ")");
        }
        Request req = decoded.document();
        f.request = req;
        f.sender = decoded.sender();
        if (req.isExpired(s.clock().instant())) {
            return reject(RejectReason.EXPIRED, "request " + req.id() + " expired at " + req.expiresAt().orElseThrow());
        }
        if (dedupe.isPresent() && dedupe.get().contains(f.dedupeKey())
                || s.outbox().isPresent() && s.outbox().get().answered(f.dedupeKey())) {
            return Verdict.DUPLICATE;
        }
        for (RequestFilter filter : s.filters()) {
            Optional<RequestFilter.Refusal> refusal = filter.check(req, f.sender);
            if (refusal == null) {
                throw new NullPointerException("request filter " + filter + " returned null instead of Optional.empty()");
            }
            if (refusal.isPresent()) {
                return new Verdict.Filtered(refusal.get());
            }
        }
        String name = req.collector();
        CollectorEntry entry = s.collectors().get(name);
        Optional<String> replyTo = req.replyTo();
        if (name.startsWith("_")) {
            return reject(RejectReason.PRIVATE_COLLECTOR, "collector '" + name + "' is private: it is never run remotely");
        }
        if (entry == null) {
            return reject(RejectReason.UNKNOWN_COLLECTOR, "no collector named '" + name + "' on worker " + s.workerId());
        }
        if (!entry.allowed()) {
            return reject(RejectReason.DISALLOWED_COLLECTOR, "collector '" + name + "' is not allowed by this worker's configuration");
        }
        if (f.sender.isPresent() && !f.sender.get().mayRun(name)) {
            return reject(RejectReason.UNAUTHORISED, "sender '" + f.sender.get().name() + "' may not run '" + name + "'");
        }
        if (entry.authenticatedOnly() && f.sender.isEmpty()) {
            return reject(RejectReason.UNAUTHORISED, "collector '" + name + "' answers authenticated senders only (use a sealing codec)");
        }
        if (replyTo.isPresent() && !s.replyAllowed(replyTo.get())) {
            return reject(RejectReason.REPLY_TO_REFUSED, "replyTo '" + Finisher.truncate(replyTo.get())
                    + "' is not among the reply destinations this worker may send to");
        }
        List<String> violations = entry.schema().violations(req.params());
        if (!violations.isEmpty()) {
            return reject(RejectReason.INVALID_PARAMS, "params of '" + name + "' are invalid: "
                    + String.join("; ", violations.subList(0, Math.min(5, violations.size()))));
        }
        return new Verdict.Run(entry);
    }

    private static Verdict reject(RejectReason reason, String detail) {
        return new Verdict.Reject(reason, detail);
    }
}
