package dev.outpost.fleet.internal;

import dev.outpost.Request;
import dev.outpost.Response;
import dev.outpost.fleet.Discovery;
import dev.outpost.fleet.FleetListener;
import dev.outpost.fleet.FleetSummary;
import dev.outpost.fleet.HostRecord;
import dev.outpost.fleet.HostResult;
import dev.outpost.fleet.Impostor;
import dev.outpost.fleet.Outcome;
import dev.outpost.fleet.PendingCall;
import dev.outpost.fleet.RolloutPlan;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SortedMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The accounting of one fleet call: one slot per expected host, each settled exactly once; what
 * is not expected is counted apart. A rollout walks its slots batch by batch inside the same
 * accounting; the request reaches the hosts through its {@link CallSender}. Every method is called on
 * the fleet's poller or timer thread or the caller's; the state is guarded by this object's lock and
 * user code runs on the callback executor, outside it.
 * The summary goes through a {@link SummaryGate}: it completes once every listener call for the
 * hosts has returned too.
 */
public final class CallState {
    private static final Logger log = LoggerFactory.getLogger("dev.outpost.fleet.Fleet");
    private final CallContext ctx;
    private final Request request;
    private final Discovery.Source source;
    private final long refusedEntries;
    private final List<String> refusedHosts;
    private final Duration deadline;
    private final Duration ttl;
    private final boolean cancellable;
    private final FleetListener listener;
    private final CallSender sender;
    private final Map<String, Slot> slots = new LinkedHashMap<>();
    private final SummaryGate gate;
    private final AtomicLong lateAfterSummary = new AtomicLong();
    private final List<String> unexpectedHosts = new ArrayList<>();
    private final List<Impostor> impostorAnswers = new ArrayList<>();
    private long impostors;
    private final long t0;
    private long unexpected;
    private long duplicates;
    private long late;
    private int settled;
    private boolean finished;

    private final Optional<RolloutPlan> plan;
    private Rollout rollout;
    private Optional<String> abortReason = Optional.empty();

    public CallState(CallContext ctx, Request request, Discovery discovery, Duration deadline, Duration ttl, boolean topic,
            boolean cancellable, FleetListener listener, Optional<RolloutPlan> plan) {
        this.ctx = ctx;
        this.request = request;
        this.source = discovery.source();
        this.refusedEntries = discovery.refusedEntries();
        this.refusedHosts = discovery.refusedHosts();
        this.deadline = deadline;
        this.ttl = ttl;
        this.cancellable = cancellable;
        this.listener = listener;
        this.plan = plan;
        this.sender = new CallSender(this, ctx, request, deadline, ttl, topic, plan.isPresent());
        this.gate = new SummaryGate(this, ctx, deadline);
        this.t0 = ctx.ticker().getAsLong();
        for (HostRecord h : discovery.hosts()) {
            slots.put(h.id(), new Slot(h));
        }
    }

    public String requestId() {
        return request.id();
    }

    public String collector() {
        return request.collector();
    }

    public Discovery.Source source() {
        return source;
    }

    public synchronized List<String> expected() {
        return List.copyOf(slots.keySet());
    }

    public CompletableFuture<FleetSummary> summary() {
        return gate.summary();
    }

    public long lateAfterSummary() {
        return lateAfterSummary.get();
    }

    /** Sends the request: to every host at once, or, for a rollout, the first hosts of the first batch. */
    public void begin() {
        if (slots.isEmpty()) {
            finishIfDone(new ArrayList<>());
            return;
        }
        if (plan.isPresent()) {
            synchronized (this) {
                rollout = new Rollout(plan.get(), new ArrayList<>(slots.keySet()));
            }
            pump();
            return;
        }
        List<Slot> all;
        synchronized (this) {
            all = List.copyOf(slots.values());
        }
        sender.send(all);
    }

    /** Starts rollout hosts while the plan allows; runs on the timer thread (or the caller's at first). */
    public void pump() {
        Rollout.Step step;
        List<HostResult> emitted = new ArrayList<>();
        synchronized (this) {
            if (finished || rollout.pausing()) {
                return;
            }
            step = rollout.step(slots, abortReason.isPresent());
            step.abort().ifPresent(reason -> abort(reason, emitted));
        }
        if (step.pause()) {
            ctx.sweeper().schedule(Sweeper.nanos(rollout.pause()), () -> {
                synchronized (this) {
                    rollout.resume();
                }
                pump();
            });
        }
        dispatch(emitted);
        if (!step.start().isEmpty()) {
            sender.send(step.start());
        }
        finishIfDone(new ArrayList<>());
    }

    /** The transport refused the request for {@code targets}: those not settled since are settled so. */
    void notDelivered(List<Slot> targets, Throwable e) {
        Throwable cause = e instanceof java.util.concurrent.CompletionException && e.getCause() != null ? e.getCause() : e;
        String detail = "the transport refused it: " + cause;
        List<HostResult> emitted = new ArrayList<>();
        synchronized (this) {
            for (Slot s : Slot.unsettled(targets)) { // one cancelled while its request was on its way stays cancelled
                settle(s, Outcome.NOT_DELIVERED, Optional.empty(), detail, emitted);
            }
        }
        after(emitted);
    }

    /** An answer for this call's request id, from any worker. */
    public void onResponse(Response r) {
        List<HostResult> emitted = new ArrayList<>();
        synchronized (this) {
            Slot s = slots.get(r.worker());
            if (s == null) {
                unexpected++;
                if (unexpectedHosts.size() < 100) {
                    unexpectedHosts.add(r.worker().length() > 200 ? r.worker().substring(0, 200) : r.worker());
                }
                return;
            }
            if (finished) {
                lateAfterSummary.incrementAndGet();
                return;
            }
            if (s.state == Slot.State.DONE) {
                if (s.result.response().isPresent()) {
                    duplicates++;
                } else {
                    late++;
                }
                return;
            }
            if (s.state == Slot.State.WAITING) {
                // an answer to a request this host was never sent (a forged or misrouted one)
                unexpected++;
                return;
            }
            settle(s, Outcomes.of(r), Optional.of(r), Outcomes.detail(r), emitted);
            if (rollout == null && listener == FleetListener.NONE && s.awaited == null && settled < slots.size()) {
                gate.paid(1); // nobody to tell
                return; // the common answer: nobody to tell, nothing to start, not the last one
            }
        }
        after(emitted);
    }

    /** An answer naming {@code claimedHost} whose authenticated sender is {@code sender}: refused, counted and listed. */
    public void onImpostor(String claimedHost, String sender) {
        synchronized (this) {
            if (finished) {
                return; // after the summary: the fleet-wide count has it
            }
            impostors++;
            if (impostorAnswers.size() < FleetSummary.MAX_LISTED) {
                impostorAnswers.add(new Impostor(claimedHost, sender));
            }
        }
    }

    /** Counts an answer that came after the summary (the fleet routes those here for a while). */
    public void onLate(Response r) {
        lateAfterSummary.incrementAndGet();
    }

    /** The deadline of a group sent together passed: those still unanswered are settled. */
    void onDeadline(List<Slot> group) {
        java.util.function.Predicate<String> live = ctx.live(group.size() == 1 ? Optional.of(group.get(0).host.id()) : Optional.empty());
        Instant now = ctx.clock().instant();
        List<HostResult> emitted = new ArrayList<>();
        synchronized (this) {
            for (Slot s : group) {
                if (s.state != Slot.State.SENT) {
                    continue;
                }
                boolean ttlPassed = !now.isBefore(s.expiresAt);
                if (ttlPassed && !live.test(s.host.id())) {
                    settle(s, Outcome.EXPIRED, Optional.empty(), "no answer by the end of its ttl (" + ttl
                            + ") and the host is not live in the inventory", emitted);
                } else {
                    settle(s, Outcome.NO_REPLY, Optional.empty(), "no answer within " + deadline, emitted);
                }
            }
        }
        after(emitted);
    }

    /** Cancels one host; false when it was already settled or is not expected. */
    public boolean cancel(String host) {
        List<HostResult> emitted = new ArrayList<>();
        boolean done;
        Slot s;
        synchronized (this) {
            s = slots.get(host);
            if (s == null || s.state == Slot.State.DONE) {
                return false;
            }
            done = s.state == Slot.State.SENT;
        }
        String detail = done ? recordCancel(host) : "cancelled before it was sent";
        synchronized (this) {
            if (s.state == Slot.State.DONE) {
                return false;
            }
            settle(s, Outcome.CANCELLED, Optional.empty(), detail, emitted);
        }
        after(emitted);
        return true;
    }

    /** Cancels every host not settled yet; a rollout starts no more hosts. */
    public int cancelAll() {
        boolean anySent;
        synchronized (this) {
            anySent = slots.values().stream().anyMatch(s -> s.state == Slot.State.SENT);
        }
        String detail = anySent ? recordCancel("*") : "cancelled before it was sent";
        List<HostResult> emitted = new ArrayList<>();
        int n = 0;
        synchronized (this) {
            if (abortReason.isEmpty() && plan.isPresent()) {
                abortReason = Optional.of("cancelled by the caller");
            }
            for (Slot s : slots.values()) {
                if (s.state != Slot.State.DONE) {
                    settle(s, Outcome.CANCELLED, Optional.empty(), s.state == Slot.State.SENT ? detail : "cancelled before it was sent",
                            emitted);
                    n++;
                }
            }
        }
        after(emitted);
        return n;
    }

    private String recordCancel(String host) {
        if (!cancellable || ctx.registry().isEmpty()) {
            return "cancelled by the caller; the request was not marked cancellable, so a worker that receives it still runs it";
        }
        return Cancellations.record(ctx.registry().get(), request.id(), host, ttl);
    }

    /** Hosts sent the request and not settled. */
    public synchronized List<PendingCall> pending() {
        List<PendingCall> out = new ArrayList<>();
        for (Slot s : slots.values()) {
            if (s.state == Slot.State.SENT && s.sentAt != null) {
                out.add(new PendingCall(request.id(), s.host.id(), request.collector(), s.sentAt, s.expiresAt));
            }
        }
        return out;
    }

    /** Completes with the host's result once settled. */
    public CompletableFuture<HostResult> awaitHost(String host) {
        synchronized (this) {
            Slot s = slots.get(host);
            if (s == null) {
                return CompletableFuture.failedFuture(new IllegalArgumentException("host " + host + " is not expected by call "
                        + request.id()));
            }
            if (s.result != null) {
                return CompletableFuture.completedFuture(s.result);
            }
            if (s.awaited == null) {
                s.awaited = new CompletableFuture<>();
            }
            return s.awaited.thenApply(r -> r);
        }
    }

    /** Results settled so far, in settlement order of hosts as listed. */
    public synchronized List<HostResult> results() {
        return slots.values().stream().filter(s -> s.result != null).map(s -> s.result).toList();
    }

    private void settle(Slot s, Outcome outcome, Optional<Response> response, String detail, List<HostResult> emitted) {
        boolean wasRunning = s.state == Slot.State.SENT;
        s.state = Slot.State.DONE;
        s.result = new HostResult(s.host.id(), outcome, response, detail, ctx.clock().instant());
        settled++;
        gate.owe();
        emitted.add(s.result);
        if (rollout != null && wasRunning) {
            Optional<String> spent = rollout.settled(outcome.isFailure());
            if (spent.isPresent() && abortReason.isEmpty()) {
                abort(spent.get(), emitted);
            }
        }
    }

    private void abort(String reason, List<HostResult> emitted) {
        abortReason = Optional.of(reason);
        for (Slot w : slots.values()) {
            if (w.state == Slot.State.WAITING) {
                w.state = Slot.State.DONE;
                w.result = new HostResult(w.host.id(), Outcome.NOT_STARTED, Optional.empty(), reason, ctx.clock().instant());
                settled++;
                gate.owe();
                emitted.add(w.result);
            }
        }
    }

    private void after(List<HostResult> emitted) {
        dispatch(emitted);
        if (plan.isPresent() && !emitted.isEmpty()) {
            ctx.sweeper().schedule(0, this::pump);
        }
        finishIfDone(new ArrayList<>());
    }

    private void dispatch(List<HostResult> emitted) {
        if (emitted.isEmpty()) {
            return;
        }
        List<CompletableFuture<HostResult>> awaited = new ArrayList<>();
        synchronized (this) {
            for (HostResult r : emitted) {
                Slot s = slots.get(r.host());
                if (s.awaited != null) {
                    awaited.add(s.awaited);
                }
            }
        }
        if (listener == FleetListener.NONE && awaited.isEmpty()) {
            gate.paid(emitted.size());
            return;
        }
        ctx.execute(() -> {
            try {
                tell(emitted);
            } finally { // whatever the listener or a continuation threw, these results are off the summary's mind
                gate.paid(emitted.size());
            }
        });
    }

    private void tell(List<HostResult> emitted) {
        for (HostResult r : emitted) {
            ctx.guard().run("fleet listener", () -> listener.onResult(r));
        }
        List<CompletableFuture<HostResult>> waiting = new ArrayList<>();
        List<HostResult> outcomes = new ArrayList<>();
        synchronized (this) {
            for (HostResult r : emitted) {
                Slot s = slots.get(r.host());
                if (s.awaited != null) {
                    waiting.add(s.awaited);
                    outcomes.add(r);
                }
            }
        }
        // completed outside the lock: continuations are user code
        for (int i = 0; i < waiting.size(); i++) {
            waiting.get(i).complete(outcomes.get(i));
        }
    }

    /** The fleet is shut down: a summary still waiting for listener calls goes without them. */
    public void stopWaiting() {
        gate.stop();
    }

    private void finishIfDone(List<HostResult> unused) {
        FleetSummary s;
        synchronized (this) {
            if (finished || settled < slots.size()) {
                return;
            }
            finished = true;
            List<Map.Entry<String, HostResult>> entries = new ArrayList<>(slots.size());
            slots.values().forEach(x -> entries.add(Map.entry(x.host.id(), x.result)));
            SortedMap<String, HostResult> results = SortedEntries.of(entries); // the summary copies it in one pass
            s = new FleetSummary(request.id(), request.collector(), source, results, unexpected, unexpectedHosts,
                    duplicates, late, abortReason, Duration.ofNanos(ctx.ticker().getAsLong() - t0), impostors, impostorAnswers,
                    refusedEntries, refusedHosts);
            for (Slot x : slots.values()) {
                if (x.deadline != null) {
                    x.deadline.cancel();
                }
            }
        }
        ctx.finished(this);
        if (s.impostors() > 0) {
            // one line per call, however many: each names a host another known sender tried to answer for
            log.warn("fleet call {} ({}): refused {} answer(s) whose authenticated sender is not the host they name"
                    + " (host claimed <- sender): {}", Printable.of(request.id()), Printable.of(request.collector()), s.impostors(),
                    Printable.pairs(s.impostorAnswers(), 10));
        }
        gate.ready(s);
    }
}
