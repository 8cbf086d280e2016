package dev.outpost.testing;

import dev.outpost.core.Client;
import dev.outpost.OutpostException;
import dev.outpost.Request;
import dev.outpost.Response;
import dev.outpost.ResponseStatus;
import dev.outpost.core.Worker;
import dev.outpost.inmemory.InMemoryTransport;
import dev.outpost.spi.Collector;
import dev.outpost.spi.Message;
import dev.outpost.testing.internal.Answered;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * Gives each test a fresh, wired {@link InMemoryTransport}, a started {@link Worker} running the
 * given collectors, and a {@link Client}; all three are closed after the test.
 *
 * <pre>{@code
 * @RegisterExtension
 * final OutpostExtension outpost = OutpostExtension.builder().collector(new Uptime()).build();
 *
 * @Test
 * void answers() {
 *     assertTrue(outpost.call(Request.builder("host.uptime").build()).isOk());
 * }
 * }</pre>
 *
 * <p>Register it on an instance field (one worker per test) or a static field (one per test
 * method still: the wiring is rebuilt before each test). One extension serves one test at a time: a
 * test starting while another holds its wiring fails at once, so tests run concurrently need it on
 * an instance field. Test methods may also take an
 * {@code InMemoryTransport}, {@code Worker}, {@code Client} or {@code OutpostExtension} parameter.
 * Polling waits are short (50 ms) so that tests run fast. Results are checked against their
 * collector's result schema (a result that does not satisfy it is answered as an
 * {@code invalid-result} error); a customiser may turn that off with {@code checkResults(false)}.
 */
public final class OutpostExtension implements BeforeEachCallback, AfterEachCallback, ParameterResolver {
    /** How long {@link #call(Request)} and the await helpers wait by default. */
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(5);

    private final List<java.util.function.Supplier<? extends Collector>> collectors;
    private final Consumer<Worker.Builder> workerCustomiser;
    private final Consumer<InMemoryTransport.Builder> transportCustomiser;
    private final Duration timeout;

    private volatile InMemoryTransport transport;
    private volatile Worker worker;
    private volatile Client client;
    /** The unique id of the test the wiring belongs to; null between tests. */
    private String wiredFor;
    private final List<Response> responses = new java.util.concurrent.CopyOnWriteArrayList<>();
    private final Answered answered = new Answered();

    private OutpostExtension(Builder b) {
        this.collectors = List.copyOf(b.collectors);
        this.workerCustomiser = b.workerCustomiser;
        this.transportCustomiser = b.transportCustomiser;
        this.timeout = b.timeout;
    }

    /** A builder for the extension. */
    public static Builder builder() {
        return new Builder();
    }

    @Override
    public void beforeEach(ExtensionContext context) {
        synchronized (this) {
            // One wiring at a time: a second test would replace the first one's worker under it, and close it.
            if (wiredFor != null) {
                throw new IllegalStateException("OutpostExtension is wired for " + wiredFor + ", which is still running: one"
                        + " extension serves one test at a time; for tests that run concurrently, register it on an instance"
                        + " field (with the default per-method test instance lifecycle)");
            }
            wiredFor = context.getUniqueId();
        }
        InMemoryTransport.Builder tb = InMemoryTransport.builder();
        transportCustomiser.accept(tb);
        transport = tb.build();
        List<Collector> fresh = new ArrayList<>();
        collectors.forEach(c -> fresh.add(Objects.requireNonNull(c.get(), "collector supplier returned null")));
        Worker.Builder wb = Worker.builder(transport).id("test-worker").collectors(fresh).pollWait(Duration.ofMillis(50))
                .backoff(Duration.ofMillis(10), Duration.ofMillis(100)).drainTimeout(Duration.ofSeconds(2))
                .checkResults(true); // a result that breaks its declared schema fails the test's call
        workerCustomiser.accept(wb);
        answered.clear();
        wb.listener(answered); // last: once it heard of a request, the customiser's listeners have too
        worker = wb.build().start();
        responses.clear();
        client = Client.builder(transport).pollWait(Duration.ofMillis(50)).onResponse(responses::add).build().start();
    }

    @Override
    public void afterEach(ExtensionContext context) {
        synchronized (this) {
            if (!context.getUniqueId().equals(wiredFor)) {
                return; // its beforeEach was refused: the wiring is another test's
            }
        }
        try {
            if (client != null) {
                client.close();
            }
            if (worker != null) {
                worker.close();
            }
        } finally {
            if (transport != null) {
                transport.close();
            }
            client = null;
            worker = null;
            transport = null;
            synchronized (this) {
                wiredFor = null;
            }
        }
    }

    /** The transport of the current test. */
    public InMemoryTransport transport() {
        return require(transport);
    }

    /** The worker of the current test. */
    public Worker worker() {
        return require(worker);
    }

    /** The client of the current test. */
    public Client client() {
        return require(client);
    }

    /**
     * Calls the worker and waits for the response (whatever its status), and for the worker to have acked the request
     * and told its listeners of it, so that what a listener records or the worker counts can be checked right after.
     *
     * @throws OutpostException when no response arrives within the extension's timeout
     */
    public Response call(Request request) {
        return call(request, timeout);
    }

    /** Calls the worker and waits up to {@code wait} for the response. */
    public Response call(Request request, Duration wait) {
        long deadline = System.nanoTime() + wait.toNanos() + 1_000_000_000L;
        try {
            Response r = client().call(request, wait).get(wait.toMillis() + 1_000, TimeUnit.MILLISECONDS);
            if (r.status() != ResponseStatus.REJECTED) {
                // the worker sends an answer before it acks the request and tells its listeners (a refusal: after)
                answered.await(request.id(), deadline);
            }
            return r;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new OutpostException("interrupted while waiting for " + request.id(), e);
        } catch (ExecutionException e) {
            throw e.getCause() instanceof OutpostException oe ? oe : new OutpostException(e.getCause().toString(), e.getCause());
        } catch (TimeoutException e) {
            throw new OutpostException("no response to " + request.id() + " within " + wait, e);
        }
    }

    /**
     * Responses that reached the client without a pending {@link #call}: answers to requests sent
     * with {@code client().send(...)}, in arrival order.
     */
    public List<Response> responses() {
        return List.copyOf(responses);
    }

    /**
     * Waits until at least {@code count} uncorrelated responses arrived and returns them.
     *
     * @throws AssertionError when they do not arrive within the extension's timeout
     */
    public List<Response> awaitResponses(int count) {
        return await(count, this::responses, "responses", r -> r.requestId() + " " + r.status().code());
    }

    /** The messages in the dead-letter queue now (not consumed). */
    public List<Message> deadLetters() {
        return transport().peek(Worker.DEFAULT_DEAD_LETTER);
    }

    /**
     * Waits until at least {@code count} messages are in the dead-letter queue and returns them.
     *
     * @throws AssertionError when they do not arrive within the extension's timeout
     */
    public List<Message> awaitDeadLetters(int count) {
        return await(count, this::deadLetters, "dead letters", m -> m.attributes().getOrDefault("outpost-reject-reason", "?"));
    }

    private <T> List<T> await(int count, java.util.function.Supplier<List<T>> current, String what,
            java.util.function.Function<T, String> describe) {
        long deadline = System.nanoTime() + timeout.toNanos();
        List<T> now = current.get();
        while (now.size() < count) {
            if (System.nanoTime() - deadline > 0) {
                List<String> seen = new ArrayList<>();
                now.forEach(x -> seen.add(describe.apply(x)));
                throw new AssertionError("expected " + count + " " + what + " within " + timeout + ", found " + now.size()
                        + (seen.isEmpty() ? "" : " " + seen));
            }
            try {
                Thread.sleep(10);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError("interrupted", e);
            }
            now = current.get();
        }
        return now;
    }

    @Override
    public boolean supportsParameter(ParameterContext p, ExtensionContext c) {
        Class<?> type = p.getParameter().getType();
        return type == InMemoryTransport.class || type == Worker.class || type == Client.class || type == OutpostExtension.class;
    }

    @Override
    public Object resolveParameter(ParameterContext p, ExtensionContext c) {
        Class<?> type = p.getParameter().getType();
        if (type == InMemoryTransport.class) {
            return transport();
        }
        if (type == Worker.class) {
            return worker();
        }
        if (type == Client.class) {
            return client();
        }
        return this;
    }

    private static <T> T require(T value) {
        if (value == null) {
            throw new IllegalStateException("OutpostExtension is only wired while a test runs: register it with @RegisterExtension");
        }
        return value;
    }

    /** Builds an {@link OutpostExtension}. */
    public static final class Builder {
        private final List<java.util.function.Supplier<? extends Collector>> collectors = new ArrayList<>();
        private Consumer<Worker.Builder> workerCustomiser = b -> {};
        private Consumer<InMemoryTransport.Builder> transportCustomiser = b -> {};
        private Duration timeout = DEFAULT_TIMEOUT;

        private Builder() {}

        /**
         * A collector the worker of every test runs. The worker closes an {@link AutoCloseable}
         * collector when it stops, so this one instance is handed to the workers without its
         * {@code close()}: a later test never gets a collector an earlier one closed. Closing it is
         * then the test's business; use {@link #collector(java.util.function.Supplier)} to have a
         * fresh one per test that the worker closes.
         */
        public Builder collector(Collector collector) {
            Objects.requireNonNull(collector, "collector");
            Collector shared = collector instanceof AutoCloseable ? new Unclosable(collector) : collector;
            collectors.add(() -> shared);
            return this;
        }

        /** A collector made afresh for every test (and closed with that test's worker when it is {@link AutoCloseable}). */
        public Builder collector(java.util.function.Supplier<? extends Collector> perTest) {
            collectors.add(Objects.requireNonNull(perTest, "perTest"));
            return this;
        }

        /** Adjusts the worker before it is built (concurrency, codec, allow-list, …). */
        public Builder worker(Consumer<Worker.Builder> customiser) {
            this.workerCustomiser = Objects.requireNonNull(customiser, "customiser");
            return this;
        }

        /** Adjusts the transport before it is built (visibility timeout, queues, …). */
        public Builder transport(Consumer<InMemoryTransport.Builder> customiser) {
            this.transportCustomiser = Objects.requireNonNull(customiser, "customiser");
            return this;
        }

        /** How long calls and awaits wait; default 5 s. */
        public Builder timeout(Duration timeout) {
            Objects.requireNonNull(timeout, "timeout");
            if (timeout.isNegative() || timeout.isZero()) {
                throw new IllegalArgumentException("timeout must be positive, was " + timeout);
            }
            this.timeout = timeout;
            return this;
        }

        /** Builds the extension. */
        public OutpostExtension build() {
            return new OutpostExtension(this);
        }
    }

    /** A collector shared by the tests' workers: everything but {@code close()}. */
    private record Unclosable(Collector delegate) implements Collector {
        @Override
        public String name() {
            return delegate.name();
        }

        @Override
        public String description() {
            return delegate.description();
        }

        @Override
        public com.fasterxml.jackson.databind.JsonNode paramsSchema() {
            return delegate.paramsSchema();
        }

        @Override
        public void validateSettings(Map<String, String> settings) {
            delegate.validateSettings(settings);
        }

        @Override
        public Object collect(Request request, dev.outpost.spi.CollectorContext context) throws Exception {
            return delegate.collect(request, context);
        }
    }
}
