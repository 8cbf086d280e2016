package dev.outpost.core;

import dev.outpost.ShutdownResult;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.outpost.Request;
import dev.outpost.Response;
import dev.outpost.inmemory.InMemoryTransport;
import dev.outpost.spi.NoSuchDestinationException;
import dev.outpost.testkit.TestClock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class ClientHardeningTest {
    private final InMemoryTransport transport = InMemoryTransport.create();
    /** Threads of their own for calls a test holds up: the common pool may have a single one. */
    private final java.util.concurrent.ExecutorService racing = java.util.concurrent.Executors.newCachedThreadPool();

    @AfterEach
    void close() {
        racing.shutdownNow();
        transport.close();
    }

    private Worker echoWorker() {
        return Worker.builder(transport).pollWait(Duration.ofMillis(20))
                .collector(Collectors.of("echo", (r, c) -> r.params())).build().start();
    }

    private Client client() {
        return Client.builder(transport).pollWait(Duration.ofMillis(20)).build().start();
    }

    @Test
    void aCallReplacesAReplyToAlreadyOnTheRequest() throws Exception {
        try (Worker w = echoWorker(); Client c = client()) {
            Request r = Request.builder("echo").replyTo("outpost-client-somewhere-else").build();
            assertThat(c.call(r, Duration.ofSeconds(10)).get().isOk()).isTrue();
            assertThat(transport.peek("outpost-client-somewhere-else")).isEmpty();
        }
    }

    @Test
    void cancelledAndAbandonedCallsStopBeingPendingAtOnce() {
        try (Client c = client()) {
            CompletableFuture<Response> cancelled = c.call(Request.builder("echo").build(), Duration.ofHours(1));
            CompletableFuture<Response> abandoned = c.call(Request.builder("echo").build(), Duration.ofHours(1))
                    .orTimeout(1, TimeUnit.MILLISECONDS);
            assertThat(c.pending()).isBetween(1, 2);
            cancelled.cancel(true);
            await().until(() -> abandoned.isDone());
            assertThat(c.pending()).isZero();
        }
    }

    @Test
    void aSlowContinuationDoesNotHoldUpOtherResponses() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        AtomicReference<String> ranOn = new AtomicReference<>();
        try (Worker w = echoWorker(); Client c = client()) {
            CompletableFuture<Object> slow = c.call(Request.builder("echo").build(), Duration.ofSeconds(10)).thenApply(r -> {
                ranOn.set(Thread.currentThread().getName());
                try {
                    release.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                return r;
            });
            await().until(() -> ranOn.get() != null);
            for (int i = 0; i < 5; i++) {
                assertThat(c.call(Request.builder("echo").build(), Duration.ofSeconds(10)).get(10, TimeUnit.SECONDS).isOk()).isTrue();
            }
            assertThat(ranOn.get()).doesNotContain("poller");
            release.countDown();
            slow.get(10, TimeUnit.SECONDS);
        }
    }

    @Test
    void aListenerThrowingAnErrorDoesNotStopTheClient() throws Exception {
        CountDownLatch heard = new CountDownLatch(2);
        try (Worker w = echoWorker();
                Client c = Client.builder(transport).pollWait(Duration.ofMillis(20)).onResponse(r -> {
                    heard.countDown();
                    throw new OutOfMemoryError("pretend");
                }).build().start()) {
            c.send(Request.builder("echo").build()).join();
            c.send(Request.builder("echo").build()).join();
            assertThat(heard.await(10, TimeUnit.SECONDS)).isTrue();
            assertThat(c.call(Request.builder("echo").build(), Duration.ofSeconds(10)).get().isOk()).isTrue();
        }
    }

    @Test
    void aReceiveLingerLongerThanASecondIsRefusedNamingItNotAnOverflowAtBuild() {
        assertThatThrownBy(() -> Client.builder(transport).receiveLinger(Duration.ofSeconds(Long.MAX_VALUE)))
                .isInstanceOf(dev.outpost.ConfigException.class).hasMessageContaining("receiveLinger")
                .hasMessageContaining("at most PT1S");
        assertThatThrownBy(() -> Client.builder(transport).receiveLinger(Duration.ofMillis(1001)))
                .isInstanceOf(dev.outpost.ConfigException.class);
        Client.builder(transport).receiveLinger(Duration.ofSeconds(1)).build().close(); // the longest taken
    }

    @Test
    void aClientMustBeStartedAndSaysHow() {
        Client c = Client.builder(transport).build();
        assertThatThrownBy(() -> c.call(Request.builder("echo").build(), Duration.ofSeconds(1)))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining(".start()");
        c.close();
        assertThatThrownBy(() -> c.send(Request.builder("echo").build())).hasMessageContaining("closed");
    }

    @Test
    void aSecondStartIsRefusedBeforeTheReplyDestinationIsCheckedAgain() {
        java.util.concurrent.atomic.AtomicInteger checks = new java.util.concurrent.atomic.AtomicInteger();
        dev.outpost.spi.Transport counting = new dev.outpost.spi.ForwardingTransport(transport) {
            @Override
            public void verify(String destination) {
                checks.incrementAndGet(); // on SQS, a network call
                super.verify(destination);
            }
        };
        try (Client c = Client.builder(counting).pollWait(Duration.ofMillis(20)).build().start()) {
            assertThatThrownBy(c::start).isInstanceOf(IllegalStateException.class).hasMessageContaining("already started");
            assertThat(checks).hasValue(1);
        }
        Client closed = Client.builder(counting).build();
        closed.close();
        assertThatThrownBy(closed::start).isInstanceOf(IllegalStateException.class).hasMessageContaining("shut down");
        assertThat(checks).hasValue(1);
    }

    @Test
    void aTimeoutNamesTheReplyDestinationAndWhatToCheck() {
        TestClock time = TestClock.create();
        try (Client c = Client.builder(transport).replyTo("outpost-client-me").ticker(time.ticker())
                .pollWait(Duration.ofMillis(20)).build().start()) {
            CompletableFuture<Response> call = c.call(Request.builder("echo").build(), Duration.ofSeconds(30));
            time.advance(Duration.ofSeconds(31));
            assertThatThrownBy(call::get).isInstanceOf(ExecutionException.class)
                    .cause().isInstanceOf(CallTimeoutException.class)
                    .hasMessageContaining("outpost-client-me")
                    .hasMessageContaining("reply-to.allow")
                    .hasMessageContaining("'requests'");
            assertThat(c.pending()).isZero();
        }
    }

    @Test
    void startFailsWhenTheReplyDestinationDoesNotExist() {
        try (InMemoryTransport strict = InMemoryTransport.builder().autoCreate(false).build()) {
            Client c = Client.builder(strict).replyTo("replies").build();
            assertThatThrownBy(c::start).isInstanceOf(NoSuchDestinationException.class).hasMessageContaining("replies");
        }
    }

    @Test
    void shutdownCompletesPendingCallsAndReportsACleanStop() {
        Client c = client();
        CompletableFuture<Response> pending = c.call(Request.builder("echo").build(), Duration.ofHours(1));
        ShutdownResult r = c.shutdown().join();
        assertThat(r.clean()).isTrue();
        assertThat(pending).isCompletedExceptionally();
        assertThat(c.shutdown().join()).isSameAs(r);
    }

    /** Answers {@code request} on {@code client}'s reply destination as a worker named {@code worker} would. */
    private void answer(Client client, Request request, String worker) {
        java.time.Instant now = java.time.Instant.now();
        Response r = Response.ok(request, dev.outpost.Json.object(), worker, 1, now, now);
        transport.send(client.replyTo(), dev.outpost.spi.Message.of(
                dev.outpost.core.json.JsonCodec.create().encodeResponse(r, java.util.Optional.empty()))).join();
    }

    @Test
    void aBroadcastsDeadlineEndsThatBroadcastNotALaterOneWithTheSameRequest() throws Exception {
        TestClock time = TestClock.create();
        transport.topic("all");
        try (Client c = Client.builder(transport).ticker(time.ticker()).pollWait(Duration.ofMillis(20)).build().start()) {
            Request r = Request.builder("outpost.ping").build();
            CompletableFuture<java.util.List<Response>> first = c.broadcast("all", r, 1, Duration.ofSeconds(10));
            answer(c, r, "w1");
            assertThat(first.get(10, TimeUnit.SECONDS)).hasSize(1);
            // the same request again (a retry of the fleet call), expecting more this time
            CompletableFuture<java.util.List<Response>> second = c.broadcast("all", r, 2, Duration.ofSeconds(60));
            CompletableFuture<Response> probe = c.call(Request.builder("nobody").build(), Duration.ofSeconds(11));
            time.advance(Duration.ofSeconds(12));
            // the probe's timeout fires in the same sweep, after the first broadcast's (earlier) deadline
            assertThatThrownBy(() -> probe.get(10, TimeUnit.SECONDS)).cause().isInstanceOf(CallTimeoutException.class);
            assertThat(second).as("the first broadcast's deadline does not end the second").isNotDone();
            answer(c, r, "w1");
            answer(c, r, "w2");
            assertThat(second.get(10, TimeUnit.SECONDS)).extracting(Response::worker).containsExactly("w1", "w2");
        }
    }

    @Test
    void anAnswerDeliveredTwiceCountsOnceTowardsABroadcastsExpectedResponses() throws Exception {
        transport.topic("all");
        try (Client c = client()) {
            Request r = Request.builder("outpost.ping").build();
            CompletableFuture<java.util.List<Response>> gathering = c.broadcast("all", r, 2, Duration.ofHours(1));
            answer(c, r, "w1");
            answer(c, r, "w1"); // the same answer again: at-least-once delivery, or its ack lost
            await().until(() -> transport.peek(c.replyTo()).isEmpty()); // acked once routed
            assertThat(gathering).as("w2 has not answered yet").isNotDone();
            answer(c, r, "w2");
            assertThat(gathering.get(10, TimeUnit.SECONDS)).extracting(Response::worker).containsExactly("w1", "w2");
        }
    }

    @Test
    void aSecondBroadcastOfAPendingRequestIsRefusedAndTheFirstStillEnds() throws Exception {
        TestClock time = TestClock.create();
        transport.topic("all");
        try (Client c = Client.builder(transport).ticker(time.ticker()).pollWait(Duration.ofMillis(20)).build().start()) {
            Request r = Request.builder("outpost.ping").build();
            CompletableFuture<java.util.List<Response>> first = c.broadcast("all", r, 3, Duration.ofSeconds(10));
            // before: the second replaced the first, which then never completed, not even at shutdown
            assertThatThrownBy(() -> c.broadcast("all", r, 3, Duration.ofSeconds(60)))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining(r.id());
            answer(c, r, "w1");
            await().until(() -> transport.peek(c.replyTo()).isEmpty()); // acked once routed
            time.advance(Duration.ofSeconds(11));
            assertThat(first.get(10, TimeUnit.SECONDS)).extracting(Response::worker).containsExactly("w1");
            assertThat(c.pending()).isZero();
        }
    }

    @Test
    void aCallOrBroadcastRacingShutdownStillCompletes() throws Exception {
        transport.topic("all");
        Client c = client();
        CountDownLatch inWindow = new CountDownLatch(2);
        CountDownLatch shutDown = new CountDownLatch(1);
        // both have found the client running; shutdown fails what is pending before they are
        c.awaiting.beforeRegistering = () -> {
            inWindow.countDown();
            try {
                shutDown.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        };
        CompletableFuture<CompletableFuture<Response>> call = CompletableFuture.supplyAsync(
                () -> c.call(Request.builder("echo").build(), Duration.ofHours(1)), racing);
        CompletableFuture<CompletableFuture<java.util.List<Response>>> broadcast = CompletableFuture.supplyAsync(
                () -> c.broadcast("all", Request.builder("echo").build(), 2, Duration.ofHours(1)), racing);
        assertThat(inWindow.await(10, TimeUnit.SECONDS)).isTrue();
        assertThat(c.shutdown().get(10, TimeUnit.SECONDS).clean()).isTrue();
        shutDown.countDown();
        // before: registered after shutdown had failed the pending ones, with the timer stopped: never completed;
        // now refused as a call a moment later would be
        for (CompletableFuture<?> refused : List.of(call, broadcast)) {
            assertThatThrownBy(() -> refused.get(10, TimeUnit.SECONDS)).isInstanceOf(ExecutionException.class)
                    .cause().isInstanceOf(IllegalStateException.class).hasMessageContaining("closed");
        }
        assertThat(c.pending()).isZero();
        assertThat(transport.peek("requests")).as("nothing sent for a closed client").isEmpty();
    }

    @Test
    void aShutdownWhileStartIsUnderWayLeavesNoTimerThreadBehind() throws Exception {
        CountDownLatch timerAsked = new CountDownLatch(1);
        CountDownLatch shutDown = new CountDownLatch(1);
        AtomicReference<Thread> timer = new AtomicReference<>();
        java.util.concurrent.ThreadFactory factory = r -> {
            Thread t = new Thread(r);
            t.setDaemon(true); // if it is left running, it does not keep the test JVM alive
            if (timer.compareAndSet(null, t)) { // start() asks for the timer's thread first
                timerAsked.countDown();
                try {
                    shutDown.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            return t;
        };
        Client c = Client.builder(transport).pollWait(Duration.ofMillis(20)).threadFactory(factory).build();
        CompletableFuture<Client> starting = CompletableFuture.supplyAsync(c::start, racing);
        assertThat(timerAsked.await(10, TimeUnit.SECONDS)).isTrue();
        c.shutdown().get(10, TimeUnit.SECONDS);
        shutDown.countDown();
        assertThatThrownBy(() -> starting.get(10, TimeUnit.SECONDS)).cause().isInstanceOf(IllegalStateException.class);
        // before: start() went on to keep the timer it had made after shutdown had looked for one; it ran for ever
        timer.get().join(TimeUnit.SECONDS.toMillis(10));
        assertThat(timer.get().isAlive()).isFalse();
    }

    @Test
    void aContinuationOfACallAnsweredAsTheClientShutsDownStillRuns() throws Exception {
        // the answer read by the client's poller (a decorator is never pushed to), not routed on this thread
        dev.outpost.spi.Transport polled = new dev.outpost.spi.ForwardingTransport(transport) {};
        Client c = Client.builder(polled).pollWait(Duration.ofMillis(20)).build().start();
        Request r = Request.builder("echo").build();
        CompletableFuture<Response> call = c.call(r, Duration.ofHours(1));
        answer(c, r, "w1");
        call.get(10, TimeUnit.SECONDS);
        c.shutdown(); // its callback pool stopped: what is given to it now runs on the thread giving it
        // before: the stopped pool refused the continuation, and the future depending on it failed with a
        // RejectedExecutionException, although the answer had come
        assertThat(call.thenApply(x -> "ran").get(10, TimeUnit.SECONDS)).isEqualTo("ran");
        assertThat(call.thenApply(x -> Thread.currentThread()).get(10, TimeUnit.SECONDS)).isSameAs(Thread.currentThread());
    }

    @Test
    void aCallbackThatClosesItsClientDoesNotWaitForItself() throws Exception {
        Client c = client();
        Request r = Request.builder("echo").build();
        CountDownLatch closed = new CountDownLatch(1);
        c.call(r, Duration.ofHours(1)).thenAccept(x -> {
            c.close(); // a one-shot caller done with its client
            closed.countDown();
        });
        answer(c, r, "w1");
        assertThat(closed.await(10, TimeUnit.SECONDS)).isTrue();
        // before: close() on the callback thread waited for the shutdown, which waited (5 s) for that very thread,
        // and then reported it as still running
        ShutdownResult result = c.shutdown().get(10, TimeUnit.SECONDS);
        assertThat(result.threadsStillAlive()).isEmpty();
        assertThat(result.clean()).isTrue();
    }

    @Test
    void aTimeoutTooLongForNanosecondsMeansForEverAndLeavesNothingBehind() {
        transport.topic("all");
        try (Client c = client()) {
            // before: the call was registered, then Duration.toNanos() overflowed: the caller got an
            // ArithmeticException and the call stayed pending for the life of the client
            CompletableFuture<Response> call = c.call(Request.builder("echo").build(), Duration.ofDays(365L * 1000));
            CompletableFuture<java.util.List<Response>> gathering = c.broadcast("all", Request.builder("echo").build(), 1,
                    Duration.ofDays(365L * 1000));
            assertThat(c.pending()).isEqualTo(2);
            assertThat(call).isNotDone();
            call.cancel(true);
            gathering.cancel(true);
            assertThat(c.pending()).isZero();
        }
    }

    @Test
    void aFloodOfAnswersMatchingNoCallWaitsForASlowListenerOnlyUpToABound() throws Exception {
        // anyone who can write to the reply queue can send answers no call waits for; each is acked once handed over
        int bound = dev.outpost.core.internal.ReplyRouter.MAX_WAITING_LISTENER_CALLS;
        CountDownLatch release = new CountDownLatch(1);
        java.util.concurrent.ThreadPoolExecutor callbacks = new java.util.concurrent.ThreadPoolExecutor(1, 1, 0, TimeUnit.SECONDS,
                new java.util.concurrent.LinkedBlockingQueue<>());
        try (Client c = Client.builder(transport).pollWait(Duration.ofMillis(20)).callbackExecutor(callbacks).onResponse(r -> {
            try {
                release.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }).build().start()) {
            dev.outpost.core.json.JsonCodec codec = dev.outpost.core.json.JsonCodec.create();
            java.time.Instant now = java.time.Instant.now();
            List<dev.outpost.spi.Message> ten = new java.util.ArrayList<>();
            for (int i = 0; i < bound + 500; i++) {
                Response r = Response.ok(Request.builder("echo").build(), dev.outpost.Json.object(), "w", 1, now, now);
                ten.add(dev.outpost.spi.Message.of(codec.encodeResponse(r, java.util.Optional.empty())));
                if (ten.size() == 10) {
                    transport.sendBatch(c.replyTo(), List.copyOf(ten)).join();
                    ten.clear();
                }
            }
            // every answer routed and acked: handed to the listener or dropped
            await().atMost(Duration.ofSeconds(60)).until(() -> transport.depth(c.replyTo()).orElse(1) == 0
                    && transport.inFlight(c.replyTo()) == 0);
            assertThat(callbacks.getQueue().size()).as("listener calls waiting behind the one running").isEqualTo(bound - 1);
            release.countDown();
        } finally {
            release.countDown();
            callbacks.shutdown();
        }
    }
}
