package dev.outpost.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.NullNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.outpost.Json;
import dev.outpost.Request;
import dev.outpost.core.RunContext;
import dev.outpost.core.json.JsonSchema;
import dev.outpost.spi.Collector;
import dev.outpost.spi.Sender;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

/**
 * Runs one collector the way a worker would, without a transport: params checked against its
 * schema, settings checked by {@link Collector#validateSettings}, a context with a deadline, a
 * sender and progress that the test can read, the result turned into JSON.
 *
 * <pre>{@code
 * CollectorTester tester = CollectorTester.of(new Uptime());
 * JsonNode result = tester.run(Map.of("unit", "s"));
 * assertThat(tester.violations(Map.of("unit", "years"))).isNotEmpty();
 * }</pre>
 *
 * <p>What the collector throws ({@link dev.outpost.CollectorException} included) reaches the test
 * unchanged, so it can assert on the code and whether it is retryable. Not thread-safe.
 */
public final class CollectorTester {
    private final Collector collector;
    private final JsonSchema schema;
    private Map<String, String> settings = Map.of();
    private Optional<Sender> sender = Optional.empty();
    private Duration timeout = Duration.ofSeconds(30);
    private int attempt = 1;
    private Clock clock = Clock.systemUTC();
    private final List<String> progress = new CopyOnWriteArrayList<>();

    private CollectorTester(Collector collector) {
        this.collector = Objects.requireNonNull(collector, "collector");
        this.schema = JsonSchema.of(collector.paramsSchema());
    }

    /** A tester for {@code collector}; its params schema is compiled now. */
    public static CollectorTester of(Collector collector) {
        return new CollectorTester(collector);
    }

    /**
     * The collector's settings; checked by its {@code validateSettings} at once.
     *
     * @throws dev.outpost.ConfigException when the collector refuses them
     */
    public CollectorTester settings(Map<String, String> collectorSettings) {
        Map<String, String> copy = Map.copyOf(collectorSettings);
        collector.validateSettings(copy);
        this.settings = copy;
        return this;
    }

    /** The authenticated sender the context reports; none by default. */
    public CollectorTester sender(Sender s) {
        this.sender = Optional.of(Objects.requireNonNull(s, "sender"));
        return this;
    }

    /** The timeout the context's deadline is computed from; default 30 s. Nothing is interrupted. */
    public CollectorTester timeout(Duration t) {
        this.timeout = Objects.requireNonNull(t, "timeout");
        return this;
    }

    /** The attempt number the context reports; default 1. */
    public CollectorTester attempt(int n) {
        if (n < 1) {
            throw new IllegalArgumentException("attempts count from 1, was " + n);
        }
        this.attempt = n;
        return this;
    }

    /** Where the deadline is computed from; default the system clock. */
    public CollectorTester clock(Clock c) {
        this.clock = Objects.requireNonNull(c, "clock");
        return this;
    }

    /** Why these params would be refused as {@code invalid-params}; empty when they are valid. */
    public List<String> violations(Map<String, ?> params) {
        return schema.violations(Json.toTree(params));
    }

    /**
     * Runs the collector with {@code params} and returns its result as JSON ({@code null} results
     * as JSON null).
     *
     * @throws IllegalArgumentException listing the violations when the params do not fit the schema
     * @throws Exception whatever the collector throws
     */
    public JsonNode run(Map<String, ?> params) throws Exception {
        JsonNode tree = Json.toTree(params);
        List<String> v = schema.violations(tree);
        if (!v.isEmpty()) {
            throw new IllegalArgumentException("params of '" + collector.name() + "' are invalid: " + String.join("; ", v));
        }
        Request request = Request.builder(collector.name()).params((ObjectNode) tree).build();
        Instant deadline = clock.instant().plus(timeout);
        LongSupplier ticker = () -> TimeUnit.MILLISECONDS.toNanos(clock.millis());
        Object result = collector.collect(request, new RunContext(ticker, deadline, ticker.getAsLong() + timeout.toNanos(), sender,
                attempt, settings, progress::add));
        return result == null ? NullNode.getInstance() : result instanceof JsonNode n ? n : Json.toTree(result);
    }

    /** {@link #run(Map)} and read the result as {@code type}. */
    public <T> T run(Map<String, ?> params, Class<T> type) throws Exception {
        return Json.convert(run(params), type);
    }

    /** Every {@link dev.outpost.spi.CollectorContext#progress} message reported so far, oldest first. */
    public List<String> progress() {
        return List.copyOf(new ArrayList<>(progress));
    }
}
