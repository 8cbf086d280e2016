package dev.outpost.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.outpost.ShutdownResult;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The lifecycle every long-lived Outpost component shares (worker, client, scheduler, registries,
 * servers, consumers), as JUnit 5 tests. A component's test class extends this and says how to
 * build, start and stop one; every test then checks the same answers:
 *
 * <ul>
 *   <li>nothing runs before {@code start()}: building makes no thread;
 *   <li>{@code start()} twice throws {@link IllegalStateException};
 *   <li>{@code shutdown()} before {@code start()} completes clean, and a later {@code start()}
 *       throws {@link IllegalStateException};
 *   <li>{@code shutdown()} is idempotent: every call returns the same future;
 *   <li>every thread comes from the builder's {@link ThreadFactory}, and {@code close()} while
 *       running ends every one of them;
 *   <li>an {@link Error} thrown by user code the component runs (a collector, listener, callback or
 *       codec) does not stop it.
 * </ul>
 *
 * <pre>{@code
 * class WorkerLifecycleTest extends LifecycleContract<Worker> {
 *     InMemoryTransport transport = InMemoryTransport.create();
 *
 *     protected Worker create(ThreadFactory threads) {
 *         return Worker.builder(transport).collector(new Echo()).threadFactory(threads).build();
 *     }
 *     protected void start(Worker w) { w.start(); }
 *     protected CompletableFuture<ShutdownResult> shutdown(Worker w) { return w.shutdown(); }
 *     protected boolean provokeUserError(Worker w, Error e) { ... a collector that throws e ... }
 *     protected void assertWorks(Worker w) { ... one call answered ... }
 * }
 * }</pre>
 *
 * @param <C> the component type
 */
public abstract class LifecycleContract<C extends AutoCloseable> {
    private final List<Thread> made = new CopyOnWriteArrayList<>();
    private final List<C> built = new CopyOnWriteArrayList<>();

    /** Builds a component, not started, whose every thread comes from {@code threads}. */
    protected abstract C create(ThreadFactory threads) throws Exception;

    /** Starts it. */
    protected abstract void start(C component) throws Exception;

    /** Calls its {@code shutdown()}. */
    protected abstract CompletableFuture<ShutdownResult> shutdown(C component);

    /**
     * Makes user code that the running component calls (a collector, listener, callback or codec)
     * throw {@code error}, and returns once the component has met it.
     *
     * @return false when the component runs no user code (the test is then skipped)
     */
    protected abstract boolean provokeUserError(C running, Error error) throws Exception;

    /** Proves the running component still does its job: one round trip, one write, one read. */
    protected abstract void assertWorks(C running) throws Exception;

    /** Whether the component starts threads of its own once started; default true. */
    protected boolean ownsThreads() {
        return true;
    }

    /** How long a shutdown may take in these tests; default 10 s. */
    protected Duration shutdownLimit() {
        return Duration.ofSeconds(10);
    }

    private C build() throws Exception {
        ThreadFactory counting = r -> {
            Thread t = new Thread(r, "lifecycle-contract-" + made.size());
            made.add(t);
            return t;
        };
        C c = create(counting);
        built.add(c);
        return c;
    }

    private ShutdownResult stop(C c) throws Exception {
        return shutdown(c).get(shutdownLimit().toMillis(), TimeUnit.MILLISECONDS);
    }

    @AfterEach
    void closeEverything() throws Exception {
        for (C c : built) {
            c.close();
        }
    }

    @Test
    void buildingStartsNothing() throws Exception {
        build();
        assertThat(made).as("threads made before start()").isEmpty();
    }

    @Test
    void startTwiceIsRefused() throws Exception {
        C c = build();
        start(c);
        assertThatThrownBy(() -> start(c)).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void shutdownBeforeStartIsCleanAndFinal() throws Exception {
        C c = build();
        ShutdownResult r = stop(c);
        assertThat(r.clean()).as("shutdown before start is clean: " + r).isTrue();
        assertThat(made).isEmpty();
        assertThatThrownBy(() -> start(c)).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void shutdownIsIdempotent() throws Exception {
        C c = build();
        start(c);
        CompletableFuture<ShutdownResult> first = shutdown(c);
        assertThat(shutdown(c)).isSameAs(first);
        assertThat(first.get(shutdownLimit().toMillis(), TimeUnit.MILLISECONDS).clean()).isTrue();
    }

    @Test
    void threadsComeFromTheFactoryAndEndOnClose() throws Exception {
        C c = build();
        start(c);
        assertWorks(c);
        if (ownsThreads()) {
            assertThat(made).as("threads made through the builder's ThreadFactory").isNotEmpty();
        }
        c.close();
        for (Thread t : made) {
            t.join(shutdownLimit().toMillis());
        }
        assertThat(made.stream().filter(Thread::isAlive).map(Thread::getName).toList())
                .as("threads still alive after close()").isEmpty();
    }

    @Test
    void anErrorFromUserCodeDoesNotStopIt() throws Exception {
        C c = build();
        start(c);
        boolean runsUserCode = provokeUserError(c, new LinkageError("thrown by the lifecycle contract"));
        org.junit.jupiter.api.Assumptions.assumeTrue(runsUserCode, "this component runs no user code");
        assertWorks(c);
        provokeUserError(c, new OutOfMemoryError("thrown by the lifecycle contract"));
        assertWorks(c);
        assertThat(stop(c).clean()).isTrue();
    }
}
