package dev.outpost.sqs.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** What a closing SQS transport waits for: open polls and releases, each no longer than it is due. */
class OpenCallsTest {
    private static final long MINUTE = TimeUnit.MINUTES.toNanos(1);

    /**
     * The calls end (and leave the set) while the close reads the set. Found in the SQS
     * benchmark: one close in eight waited out the last call's due (11 s) for calls that had
     * ended, because it waited on "any of" a set that had just become empty.
     */
    @Test
    void callsEndingWhileTheCloseLooksAtThemDoNotMakeItWaitOutTheirDue() {
        List<CompletableFuture<Void>> calls = new ArrayList<>();
        Map<CompletableFuture<?>, Long> set = new EndsOnFirstLook(calls);
        OpenCalls open = new OpenCalls(set);
        for (int i = 0; i < 8; i++) {
            CompletableFuture<Void> call = new CompletableFuture<>();
            calls.add(call);
            open.track(call, System.nanoTime() + MINUTE);
        }
        long stillOpen = assertTimeoutPreemptively(Duration.ofSeconds(30), () -> open.awaitAll(MINUTE),
                "waited for calls that had ended");
        assertThat(stillOpen).isZero();
        assertThat(open.isEmpty()).isTrue();
    }

    @Test
    void aCallNeverAnsweredIsWaitedForUntilItIsDueAndThenCounted() throws Exception {
        OpenCalls open = new OpenCalls();
        open.track(new CompletableFuture<>(), System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(50));
        CompletableFuture<Void> answered = new CompletableFuture<>();
        open.track(answered, System.nanoTime() + MINUTE);
        answered.complete(null);
        assertThat(open.awaitAll(MINUTE)).isEqualTo(1);
    }

    @Test
    void theTimeoutCapsTheWaitForACallDueLater() throws Exception {
        OpenCalls open = new OpenCalls();
        open.track(new CompletableFuture<>(), System.nanoTime() + MINUTE);
        assertThat(open.awaitAll(TimeUnit.MILLISECONDS.toNanos(50))).isEqualTo(1);
    }

    @Test
    void callsThatEndDuringTheWaitEndIt() throws Exception {
        OpenCalls open = new OpenCalls();
        CompletableFuture<String> call = new CompletableFuture<>();
        CompletableFuture<Void> failing = new CompletableFuture<>();
        open.track(call, System.nanoTime() + MINUTE);
        open.track(failing, System.nanoTime() + MINUTE);
        Thread ender = new Thread(() -> {
            call.complete("answer");
            failing.completeExceptionally(new IllegalStateException("the server hung up"));
        });
        ender.start();
        assertThat(open.awaitAll(MINUTE)).isZero();
        ender.join();
        assertThat(open.isEmpty()).isTrue();
    }

    /**
     * A set whose calls all end just after a reader first looks at it: at its second look, or 200 ms
     * after the first, whichever comes first (as calls answered while a close reads the set).
     */
    private static final class EndsOnFirstLook extends ConcurrentHashMap<CompletableFuture<?>, Long> {
        private final transient List<CompletableFuture<Void>> calls;
        private transient int looks;

        EndsOnFirstLook(List<CompletableFuture<Void>> calls) {
            this.calls = calls;
        }

        private synchronized void look() {
            if (calls.isEmpty() || size() < calls.size() && looks == 0) {
                return; // still being filled
            }
            looks++;
            if (looks == 1) {
                CompletableFuture.delayedExecutor(200, TimeUnit.MILLISECONDS).execute(this::endAll);
            } else if (looks == 2) {
                endAll();
            }
        }

        private void endAll() {
            calls.forEach(c -> c.complete(null));
        }

        @Override
        public Set<Map.Entry<CompletableFuture<?>, Long>> entrySet() {
            look();
            return super.entrySet();
        }

        @Override
        public Collection<Long> values() {
            look();
            return super.values();
        }

        @Override
        public KeySetView<CompletableFuture<?>, Long> keySet() {
            look();
            return super.keySet();
        }
    }
}
