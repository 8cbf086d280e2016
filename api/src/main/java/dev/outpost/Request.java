package dev.outpost;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * A request document: which collector to run, on which target, with which params, and where to
 * send the response.
 *
 * <p>Build one with {@link #builder(String)}.
 *
 * @param v the document version ({@link #VERSION} for documents this library writes)
 * @param id unique and time-ordered, without control characters; responses carry it as {@code requestId}
 * @param collector the collector's name
 * @param target what the collector acts on (a URL, a host), if anything
 * @param params the collector's params: always a JSON object; the request keeps its own read-only
 *     copy, which {@link #params()} hands out as it is (its mutators throw
 *     {@link UnsupportedOperationException}; {@code deepCopy()} gives a tree you may change), so no
 *     caller can change a request after the fact
 * @param replyTo the destination the response goes to; empty for none
 * @param sentAt when the request was created
 * @param ttl how long after {@code sentAt} the request is still worth running
 * @param attributes free-form string metadata carried to the collector
 */
public record Request(
        int v,
        String id,
        String collector,
        Optional<String> target,
        ObjectNode params,
        Optional<String> replyTo,
        Instant sentAt,
        Optional<Duration> ttl,
        Map<String, String> attributes) {

    /** The document version this library writes. */
    public static final int VERSION = 1;
    /** The longest idempotency key, in characters. */
    public static final int MAX_IDEMPOTENCY_KEY_LENGTH = 200;

    /** Validates the components. */
    public Request {
        if (v < 1) {
            throw new IllegalArgumentException("v must be at least 1, was " + v);
        }
        requireText(id, "id");
        Printable.id(id, "id");
        requireText(collector, "collector");
        Objects.requireNonNull(target, "target");
        Objects.requireNonNull(params, "params");
        Objects.requireNonNull(replyTo, "replyTo");
        Objects.requireNonNull(sentAt, "sentAt");
        Objects.requireNonNull(ttl, "ttl");
        ttl.ifPresent(t -> {
            if (t.isNegative()) {
                throw new IllegalArgumentException("ttl must not be negative, was " + t);
            }
        });
        attributes = Map.copyOf(attributes);
        params = ReadOnlyTrees.of(params);
    }

    /** The params, read-only: {@code deepCopy()} them to change them. Never copied per call. */
    @Override
    public ObjectNode params() {
        return params;
    }

    /** A builder for a request to {@code collector}, with a fresh id and {@code sentAt} = now. */
    public static Builder builder(String collector) {
        return new Builder(collector);
    }

    /** A builder that starts from this request (same id). */
    public Builder toBuilder() {
        Builder b = new Builder(collector);
        b.id = id;
        b.target = target;
        b.params = params;
        b.replyTo = replyTo;
        b.sentAt = sentAt;
        b.ttl = ttl;
        b.attributes.putAll(attributes);
        return b;
    }

    /** This request with another reply destination. */
    public Request withReplyTo(String destination) {
        return new Request(v, id, collector, target, params, Optional.of(destination), sentAt, ttl, attributes);
    }

    /**
     * The caller's idempotency key (the {@value Attributes#IDEMPOTENCY_KEY} attribute), when it
     * has one.
     */
    public Optional<String> idempotencyKey() {
        return Optional.ofNullable(attributes.get(Attributes.IDEMPOTENCY_KEY));
    }

    /** When the request expires, if it has a ttl. */
    public Optional<Instant> expiresAt() {
        return ttl.map(t -> {
            try {
                return sentAt.plus(t);
            } catch (java.time.DateTimeException | ArithmeticException e) {
                return Instant.MAX;
            }
        });
    }

    /** Whether the ttl ran out before {@code now}. */
    public boolean isExpired(Instant now) {
        if (ttl.isEmpty()) {
            return false;
        }
        // sentAt and ttl come from the sender: a sum past Instant.MAX must not throw
        Duration left = Duration.between(sentAt, now);
        return left.compareTo(ttl.get()) > 0;
    }

    private static void requireText(String value, String name) {
        Objects.requireNonNull(value, name);
        if (value.isBlank()) {
            throw new IllegalArgumentException(name + " must not be blank");
        }
    }

    /** Builds a {@link Request}. Not thread-safe. */
    public static final class Builder {
        private final String collector;
        private String id;
        private Optional<String> target = Optional.empty();
        private ObjectNode params = Json.object();
        private Optional<String> replyTo = Optional.empty();
        private Instant sentAt;
        private Optional<Duration> ttl = Optional.empty();
        private final Map<String, String> attributes = new LinkedHashMap<>();

        private Builder(String collector) {
            this.collector = Objects.requireNonNull(collector, "collector");
        }

        /** Sets the id; by default a fresh time-ordered one. */
        public Builder id(String id) {
            this.id = Objects.requireNonNull(id, "id");
            return this;
        }

        /** Sets what the collector acts on. */
        public Builder target(String target) {
            this.target = Optional.of(Objects.requireNonNull(target, "target"));
            return this;
        }

        /**
         * Sets the params from a JSON object node, a map, or any value Jackson turns into a JSON
         * object. The value is copied.
         *
         * @throws IllegalArgumentException when the value is not a JSON object
         */
        public Builder params(Object params) {
            Objects.requireNonNull(params, "params");
            JsonNode node = params instanceof JsonNode n ? n.deepCopy() : Json.toTree(params);
            if (!(node instanceof ObjectNode object)) {
                throw new IllegalArgumentException("params must be a JSON object, was " + node.getNodeType());
            }
            this.params = object;
            return this;
        }

        /** Sets one param. */
        public Builder param(String name, Object value) {
            Objects.requireNonNull(name, "name");
            params = params.deepCopy();
            params.set(name, Json.toTree(value));
            return this;
        }

        /** Sets the destination the response goes to. */
        public Builder replyTo(String destination) {
            this.replyTo = Optional.of(Objects.requireNonNull(destination, "destination"));
            return this;
        }

        /** Sets when the request was made; by default when {@link #build()} is called. */
        public Builder sentAt(Instant sentAt) {
            this.sentAt = Objects.requireNonNull(sentAt, "sentAt");
            return this;
        }

        /** Sets how long the request stays worth running; workers refuse it after that. */
        public Builder ttl(Duration ttl) {
            Objects.requireNonNull(ttl, "ttl");
            if (ttl.isNegative() || ttl.isZero()) {
                throw new IllegalArgumentException("ttl must be positive, was " + ttl);
            }
            this.ttl = Optional.of(ttl);
            return this;
        }

        /**
         * Attaches an idempotency key: a worker with an idempotency store runs this operation at
         * most once for this sender and key, and answers a redelivery or a retry (a new request
         * with the same key) with the stored outcome. Reusing the key with other params is
         * refused ({@link RejectReason#IDEMPOTENCY_CONFLICT}).
         *
         * @param key 1 to {@value #MAX_IDEMPOTENCY_KEY_LENGTH} characters, no control characters
         * @throws IllegalArgumentException when the key has another form
         */
        public Builder idempotencyKey(String key) {
            Objects.requireNonNull(key, "key");
            if (key.isEmpty() || key.length() > MAX_IDEMPOTENCY_KEY_LENGTH || key.chars().anyMatch(Character::isISOControl)) {
                throw new IllegalArgumentException("an idempotency key is 1 to " + MAX_IDEMPOTENCY_KEY_LENGTH
                        + " characters without control characters");
            }
            attributes.put(Attributes.IDEMPOTENCY_KEY, key);
            return this;
        }

        /** Adds a string attribute. */
        public Builder attribute(String name, String value) {
            attributes.put(Objects.requireNonNull(name, "name"), Objects.requireNonNull(value, "value"));
            return this;
        }

        /** Builds the request. */
        public Request build() {
            return new Request(
                    VERSION,
                    id != null ? id : Ids.next(),
                    collector,
                    target,
                    params,
                    replyTo,
                    sentAt != null ? sentAt : Instant.now(),
                    ttl,
                    attributes);
        }
    }
}
