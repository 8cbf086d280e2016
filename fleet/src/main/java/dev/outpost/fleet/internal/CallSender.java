package dev.outpost.fleet.internal;

import dev.outpost.Request;
import dev.outpost.spi.Message;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * How one fleet call's request reaches its hosts: over the topic or each host's own queue (a rollout's hosts with no
 * known queue over the topic, selected by id), each group of hosts marked sent with its deadline armed before the
 * transport has it, and a refusal of the transport reported back to the call. Separate from {@link CallState}, which
 * keeps the accounting of what each host answered; the slots stay guarded by the call's lock, which this takes too.
 */
final class CallSender {
    private final CallState call;
    private final CallContext ctx;
    private final Request request;
    private final Duration deadline;
    private final Duration ttl;
    private final boolean topic;
    private final boolean rollout;

    CallSender(CallState call, CallContext ctx, Request request, Duration deadline, Duration ttl, boolean topic, boolean rollout) {
        this.call = call;
        this.ctx = ctx;
        this.request = request;
        this.deadline = deadline;
        this.ttl = ttl;
        this.topic = topic;
        this.rollout = rollout;
    }

    /** Sends the request to those of {@code targets} not settled by then; chosen outside the call's lock. */
    void send(List<Slot> targets) {
        if (rollout && !topic) {
            List<Slot> unknown = targets.stream().filter(s -> s.host.requests().isEmpty()).toList();
            if (!unknown.isEmpty()) {
                // rollout hosts with no known destination are reached over the topic, selected by id
                send(unknown, true);
                send(targets.stream().filter(s -> !s.host.requests().isEmpty()).toList(), false);
                return;
            }
        }
        send(targets, topic);
    }

    private void send(List<Slot> targets, boolean topic) {
        Instant now = ctx.clock().instant();
        long nanos = ctx.ticker().getAsLong();
        Request r = request.toBuilder().sentAt(now).ttl(ttl).build();
        synchronized (call) {
            targets = Slot.unsettled(targets); // chosen outside this lock: one cancelled since is neither sent nor settled again
            if (targets.isEmpty()) {
                return;
            }
            for (Slot s : targets) {
                s.state = Slot.State.SENT;
                s.sentAt = now;
                s.sentNanos = nanos;
                s.expiresAt = plus(now, ttl);
            }
        }
        List<Slot> group = List.copyOf(targets);
        Sweeper.Task task = ctx.sweeper().schedule(Sweeper.nanos(deadline), () -> call.onDeadline(group));
        ctx.expectAnswers(call, deadline);
        synchronized (call) {
            for (Slot s : targets) {
                s.deadline = task;
            }
        }
        if (topic && rollout) {
            // rollout hosts reached over the topic: select them alone, in as many broadcasts as their ids need
            for (List<Slot> part : FleetAttributes.idGroups(targets, s -> s.host.id())) {
                broadcast(r.toBuilder().attribute(FleetAttributes.SELECT, FleetAttributes.idSelector(
                        part.stream().map(s -> s.host.id()).toList())).build(), part);
            }
        } else if (topic) {
            broadcast(r, targets);
        } else {
            Message body;
            try {
                body = ctx.sender().encode(r);
            } catch (Throwable e) { // the codec is user code: an Error is this call's refusal, not its caller's
                call.notDelivered(targets, e);
                return;
            }
            for (Slot s : targets) {
                CompletableFuture<Void> sent;
                try {
                    sent = ctx.sender().direct(s.host, body);
                } catch (Throwable e) { // the transport is user code: an Error for one host must not skip the next
                    sent = CompletableFuture.failedFuture(e);
                }
                sent.whenComplete((v, e) -> {
                    if (e != null) {
                        call.notDelivered(List.of(s), e);
                    }
                });
            }
        }
    }

    /** {@code t + d}, or {@link Instant#MAX} past it: any positive ttl is taken, and a sum past the end must not throw. */
    static Instant plus(Instant t, Duration d) {
        return Duration.between(t, Instant.MAX).compareTo(d) <= 0 ? Instant.MAX : t.plus(d);
    }

    private void broadcast(Request r, List<Slot> targets) {
        CompletableFuture<Void> sent;
        try {
            sent = ctx.sender().topic(r);
        } catch (Throwable e) { // the transport is user code, as for direct sends
            sent = CompletableFuture.failedFuture(e);
        }
        sent.whenComplete((v, e) -> {
            if (e != null) {
                call.notDelivered(targets, e);
            }
        });
    }
}
