package dev.outpost.cli.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class DaemonTest {
    final List<String> closed = new CopyOnWriteArrayList<>();
    final StringWriter out = new StringWriter();

    AutoCloseable part(String name) {
        return () -> closed.add(name);
    }

    @Test
    void aStartUpThatFailsClosesWhatItOwnedLastFirstAndTakesItsHookBack() {
        Daemon d = new Daemon();
        IllegalStateException failure = new IllegalStateException("bad config");
        assertThatThrownBy(() -> d.run(new PrintWriter(out), () -> {
            d.own(part("transport"));
            d.own(part("worker"));
            throw failure;
        })).isSameAs(failure);
        assertThat(closed).containsExactly("worker", "transport");
        assertThat(out.toString()).isEmpty();
        // a JVM exiting after the error does not close them a second time, nor say it is stopping
        assertThat(Runtime.getRuntime().removeShutdownHook(d.hook())).isFalse();
    }

    @Test
    void aStopDuringStartUpClosesWhatRunsAndWhatIsOwnedAfterIt() throws Exception {
        Daemon d = new Daemon();
        try {
            int status = d.run(new PrintWriter(out), () -> {
                d.own(part("transport"));
                assertThat(Runtime.getRuntime().removeShutdownHook(d.hook())).isTrue(); // the signal is handled from here on
                d.stopAll(); // what the hook does on SIGTERM
                d.own(part("worker")); // built after the stop began
                throw new IllegalStateException("worker is closed"); // as starting a closed worker does
            });
            assertThat(status).isZero();
            assertThat(closed).containsExactly("transport", "worker");
            assertThat(out.toString()).isEmpty();
        } finally {
            Runtime.getRuntime().removeShutdownHook(d.hook());
        }
    }

    @Test
    void runningPrintsItsHealthLineAndReturnsOnceStoppedLastOwnedFirst() throws Exception {
        Daemon d = new Daemon();
        CountDownLatch healthy = new CountDownLatch(1);
        CompletableFuture<Integer> running = CompletableFuture.supplyAsync(() -> {
            try {
                return d.run(new PrintWriter(out) {
                    @Override
                    public void flush() {
                        super.flush();
                        healthy.countDown();
                    }
                }, () -> {
                    d.own(part("a"));
                    d.own(part("b"));
                    return "outpost test running";
                });
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        try {
            assertThat(healthy.await(30, TimeUnit.SECONDS)).isTrue();
            assertThat(out.toString()).isEqualTo("outpost test running" + System.lineSeparator());
            assertThat(running).isNotDone();
            d.stopAll();
            assertThat(running.get(30, TimeUnit.SECONDS)).isZero();
            assertThat(closed).containsExactly("b", "a");
        } finally {
            Runtime.getRuntime().removeShutdownHook(d.hook());
        }
    }
}
