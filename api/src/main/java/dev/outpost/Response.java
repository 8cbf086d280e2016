package dev.outpost;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/**
 * A response document: what a worker reports after handling a {@link Request}.
 *
 * @param v the document version ({@link #VERSION} for documents this library writes)
 * @param requestId the id of the request answered (no control characters)
 * @param collector the collector that ran (or was refused)
 * @param target the request's target
 * @param status ok, error or rejected
 * @param result the collector's result, present exactly when the status is ok; the response keeps
 *     its own read-only copy, which {@link #result()} hands out as it is (its mutators throw
 *     {@link UnsupportedOperationException}; {@code deepCopy()} gives a tree you may change)
 * @param error what went wrong, present exactly when the status is not ok
 * @param worker the id of the worker that answered (no control characters)
 * @param attempt which attempt produced this response, from 1
 * @param startedAt when the worker started on the request
 * @param finishedAt when it finished
 */
public record Response(
        int v,
        String requestId,
        String collector,
        Optional<String> target,
        ResponseStatus status,
        Optional<JsonNode> result,
        Optional<ErrorInfo> error,
        String worker,
        int attempt,
        Instant startedAt,
        Instant finishedAt) {

    /** The result, read-only: {@code deepCopy()} it to change it. Never copied per call. */
    @Override
    public Optional<JsonNode> result() {
        return result;
    }

    /** The document version this library writes. */
    public static final int VERSION = 1;

    /** Validates the components. */
    public Response {
        if (v < 1) {
            throw new IllegalArgumentException("v must be at least 1, was " + v);
        }
        Printable.id(Objects.requireNonNull(requestId, "requestId"), "requestId");
        Objects.requireNonNull(collector, "collector");
        Objects.requireNonNull(target, "target");
        Objects.requireNonNull(status, "status");
        Objects.requireNonNull(result, "result");
        Objects.requireNonNull(error, "error");
        Printable.id(Objects.requireNonNull(worker, "worker"), "worker");
        Objects.requireNonNull(startedAt, "startedAt");
        Objects.requireNonNull(finishedAt, "finishedAt");
        result = result.map(ReadOnlyTrees::of);
        if (status == ResponseStatus.OK && (result.isEmpty() || error.isPresent())) {
            throw new IllegalArgumentException("an ok response has a result and no error");
        }
        if (status != ResponseStatus.OK && (error.isEmpty() || result.isPresent())) {
            throw new IllegalArgumentException("a " + status.code() + " response has an error and no result");
        }
        if (attempt < 1) {
            throw new IllegalArgumentException("attempt must be at least 1, was " + attempt);
        }
    }

    /** An ok response to {@code request}. */
    public static Response ok(Request request, JsonNode result, String worker, int attempt, Instant startedAt, Instant finishedAt) {
        return new Response(VERSION, request.id(), request.collector(), request.target(), ResponseStatus.OK,
                Optional.of(result), Optional.empty(), worker, attempt, startedAt, finishedAt);
    }

    /** An error or rejected response to {@code request}. */
    public static Response failed(Request request, ResponseStatus status, ErrorInfo error, String worker, int attempt,
            Instant startedAt, Instant finishedAt) {
        if (status == ResponseStatus.OK) {
            throw new IllegalArgumentException("status must be error or rejected");
        }
        return new Response(VERSION, request.id(), request.collector(), request.target(), status,
                Optional.empty(), Optional.of(error), worker, attempt, startedAt, finishedAt);
    }

    /** Whether the status is ok. */
    public boolean isOk() {
        return status == ResponseStatus.OK;
    }

    /**
     * The result converted to {@code type} with the shared mapper.
     *
     * @throws OutpostException when the response is not ok or the result does not fit the type
     */
    public <T> T resultAs(Class<T> type) {
        JsonNode node = result.orElseThrow(() -> new OutpostException("response to " + requestId + " is "
                + status.code() + ": " + error.map(e -> e.code() + ": " + e.message()).orElse("")));
        try {
            return Json.reader().treeToValue(node, type);
        } catch (JsonProcessingException e) {
            throw new OutpostException("result of " + requestId + " is not a " + type.getSimpleName() + ": "
                    + e.getOriginalMessage(), e);
        }
    }
}
