package dev.outpost.fleet;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.outpost.Json;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * What a fleet call asks of its hosts: a collector, its params, which hosts, how long to wait.
 *
 * <pre>{@code
 * FleetRequest r = FleetRequest.builder("app.deploy").param("version", "1.4.2")
 *         .target(Selector.parse("tag:web")).deadline(Duration.ofSeconds(30)).build();
 * }</pre>
 */
public final class FleetRequest {
    private final String collector;
    private final ObjectNode params;
    private final Selector target;
    private final Optional<List<String>> hosts;
    private final Optional<Duration> deadline;
    private final Optional<Duration> ttl;
    private final Route route;
    private final FleetListener listener;
    private final Map<String, String> attributes;
    private final Optional<Boolean> cancellable;

    private FleetRequest(Builder b) {
        this.collector = b.collector;
        this.params = b.params.deepCopy();
        this.target = b.target;
        this.hosts = b.hosts.map(List::copyOf);
        this.deadline = b.deadline;
        this.ttl = b.ttl;
        this.route = b.route;
        this.listener = b.listener;
        this.attributes = Map.copyOf(b.attributes);
        this.cancellable = b.cancellable;
    }

    /** A builder for a request to {@code collector} on every host. */
    public static Builder builder(String collector) {
        return new Builder(collector);
    }

    /** The collector. */
    public String collector() {
        return collector;
    }

    /** A copy of the params. */
    public ObjectNode params() {
        return params.deepCopy();
    }

    /** Which hosts (ignored when {@link #hosts()} is given). */
    public Selector target() {
        return target;
    }

    /** The expected set as ids, when the caller lists it instead of discovering it. */
    public Optional<List<String>> hosts() {
        return hosts;
    }

    /** How long the call waits for answers; empty: the fleet's default. */
    public Optional<Duration> deadline() {
        return deadline;
    }

    /** How long the request stays worth running; empty: the deadline. */
    public Optional<Duration> ttl() {
        return ttl;
    }

    /** How it reaches the hosts. */
    public Route route() {
        return route;
    }

    /** Hears each host's result as it is settled. */
    public FleetListener listener() {
        return listener;
    }

    /** Attributes carried to the collectors. */
    public Map<String, String> attributes() {
        return attributes;
    }

    /** Whether workers look for a cancellation before running it; empty: when the fleet has a registry. */
    public Optional<Boolean> cancellable() {
        return cancellable;
    }

    /** Builds a {@link FleetRequest}. Not thread-safe. */
    public static final class Builder {
        private final String collector;
        private ObjectNode params = Json.object();
        private Selector target = Selector.all();
        private Optional<List<String>> hosts = Optional.empty();
        private Optional<Duration> deadline = Optional.empty();
        private Optional<Duration> ttl = Optional.empty();
        private Route route = Route.AUTO;
        private FleetListener listener = FleetListener.NONE;
        private final Map<String, String> attributes = new LinkedHashMap<>();
        private Optional<Boolean> cancellable = Optional.empty();

        private Builder(String collector) {
            Objects.requireNonNull(collector, "collector");
            if (collector.isBlank()) {
                throw new IllegalArgumentException("collector must not be blank");
            }
            this.collector = collector;
        }

        /** The params: a map, a record, or a JSON object. */
        public Builder params(Object params) {
            Objects.requireNonNull(params, "params");
            var tree = Json.toTree(params);
            if (!tree.isObject()) {
                throw new IllegalArgumentException("params must be a JSON object, was " + tree.getNodeType());
            }
            this.params = (ObjectNode) tree;
            return this;
        }

        /** One param. */
        public Builder param(String name, Object value) {
            params.set(Objects.requireNonNull(name, "name"), Json.toTree(value));
            return this;
        }

        /** Which hosts; default every host. */
        public Builder target(Selector selector) {
            this.target = Objects.requireNonNull(selector, "selector");
            return this;
        }

        /** The expected set, by id, instead of discovering it. */
        public Builder hosts(List<String> ids) {
            List<String> checked = new ArrayList<>();
            for (String id : ids) {
                checked.add(HostRecord.checkId(id));
            }
            if (checked.isEmpty()) {
                throw new IllegalArgumentException("hosts must not be empty");
            }
            this.hosts = Optional.of(checked);
            return this;
        }

        /** How long the call waits for answers. */
        public Builder deadline(Duration deadline) {
            this.deadline = Optional.of(positive(deadline, "deadline"));
            return this;
        }

        /**
         * How long the request stays worth running, from when it is sent to a host (for a host that
         * is offline: how long its queue keeps it). Default: the deadline.
         */
        public Builder ttl(Duration ttl) {
            this.ttl = Optional.of(positive(ttl, "ttl"));
            return this;
        }

        /** How it reaches the hosts; default {@link Route#AUTO}. */
        public Builder route(Route route) {
            this.route = Objects.requireNonNull(route, "route");
            return this;
        }

        /**
         * Hears each host's result as it is settled; the summary completes after its calls have returned (see
         * {@link FleetListener}).
         */
        public Builder listener(FleetListener listener) {
            this.listener = Objects.requireNonNull(listener, "listener");
            return this;
        }

        /** An attribute carried to the collectors ({@code outpost.fleet.*} names are the fleet's own). */
        public Builder attribute(String name, String value) {
            Objects.requireNonNull(name, "name");
            if (name.startsWith("outpost.fleet.")) {
                throw new IllegalArgumentException("attribute names outpost.fleet.* are reserved, was " + name);
            }
            attributes.put(name, Objects.requireNonNull(value, "value"));
            return this;
        }

        /**
         * Whether workers look up a cancellation in the registry before running it (one registry
         * read per request); default: when the fleet has a registry.
         */
        public Builder cancellable(boolean cancellable) {
            this.cancellable = Optional.of(cancellable);
            return this;
        }

        /** Builds the request. */
        public FleetRequest build() {
            if (deadline.isPresent() && ttl.isPresent() && ttl.get().compareTo(deadline.get()) < 0) {
                throw new IllegalArgumentException("ttl (" + ttl.get() + ") is shorter than the deadline (" + deadline.get()
                        + "): hosts could not run it for the time the call waits");
            }
            return new FleetRequest(this);
        }
    }

    static Duration positive(Duration d, String what) {
        Objects.requireNonNull(d, what);
        if (d.isNegative() || d.isZero()) {
            throw new IllegalArgumentException(what + " must be positive, was " + d);
        }
        return d;
    }
}
