package dev.outpost.bench;

import com.fasterxml.jackson.databind.JsonNode;
import dev.outpost.Request;
import dev.outpost.Response;
import dev.outpost.Json;
import dev.outpost.core.json.JsonCodec;
import java.io.IOException;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Where a worker's time goes per message: parse, validate, encode.
 * {@code java -jar bench/target/benchmarks.jar CodecBenchmark}
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class CodecBenchmark {
    private final JsonCodec validating = JsonCodec.create();
    private final JsonCodec lax = JsonCodec.withoutSchemaValidation();
    private final Request request = Payloads.request(1, "results");
    private final byte[] requestBytes = validating.encodeRequest(request);
    private final JsonNode requestTree = parse(requestBytes);
    private final Response response = Response.ok(request, Json.toTree(java.util.Map.of("ok", true)), "w", 1,
            Instant.now(), Instant.now());

    private static JsonNode parse(byte[] b) {
        try {
            return Json.reader().readTree(b);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    @Benchmark
    public JsonNode jacksonParseOnly() throws IOException {
        return Json.reader().readTree(requestBytes);
    }

    @Benchmark
    public java.util.List<String> schemaValidateOnly() {
        return JsonCodec.requestSchema().violations(requestTree);
    }

    @Benchmark
    public Request decodeRequestValidating() {
        return validating.decodeRequest(requestBytes).document();
    }

    @Benchmark
    public Request decodeRequestWithoutSchema() {
        return lax.decodeRequest(requestBytes).document();
    }

    @Benchmark
    public byte[] encodeRequest() {
        return validating.encodeRequest(request);
    }

    @Benchmark
    public byte[] encodeResponse() {
        return validating.encodeResponse(response, Optional.empty());
    }
}
