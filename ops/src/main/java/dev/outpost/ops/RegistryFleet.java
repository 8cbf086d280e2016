package dev.outpost.ops;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.outpost.Request;
import dev.outpost.Response;
import dev.outpost.core.Client;
import dev.outpost.ops.internal.HostEntries;
import dev.outpost.spi.Registry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * A {@link Fleet} over the registry entries hosts write at {@code fleet/hosts/ID} (the fleet
 * module's layout: {@code id}, {@code requests}, {@code collectors}, {@code tags}, {@code facts})
 * and a started {@link Client} that sends each host's request to its {@code requests} destination.
 * Entries that are not host records are skipped. Owns nothing: the registry and client are the
 * caller's to close.
 */
public final class RegistryFleet implements Fleet {
    /** Where hosts register. */
    public static final String HOSTS = "fleet/hosts/";
    /** The most hosts one call addresses. */
    public static final int MAX_HOSTS_PER_CALL = 1000;

    private final Registry registry;
    private final Client client;

    /** A fleet over {@code registry}, calling through {@code client} (started by the caller). */
    public RegistryFleet(Registry registry, Client client) {
        this.registry = Objects.requireNonNull(registry, "registry");
        this.client = Objects.requireNonNull(client, "client");
    }

    @Override
    public List<Server> servers() {
        List<Server> out = new ArrayList<>();
        registry.list(HOSTS).forEach(e -> HostEntries.read(e.value()).ifPresent(out::add));
        return out;
    }

    @Override
    public Optional<Server> server(String id) {
        if (!HostEntries.validId(id)) {
            return Optional.empty();
        }
        return registry.get(HOSTS + id).flatMap(e -> HostEntries.read(e.value()));
    }

    @Override
    public List<HostAnswer> call(String selector, String collector, Map<String, String> params, Duration timeout) {
        List<Server> hosts = select(selector);
        if (hosts.size() > MAX_HOSTS_PER_CALL) {
            hosts = hosts.subList(0, MAX_HOSTS_PER_CALL);
        }
        List<CompletableFuture<Response>> futures = new ArrayList<>();
        for (Server h : hosts) {
            Request.Builder b = Request.builder(collector).target(h.id()).ttl(timeout);
            params.forEach(b::param);
            futures.add(client.call(h.requests(), b.build(), timeout));
        }
        long deadline = System.nanoTime() + timeout.toNanos();
        List<HostAnswer> out = new ArrayList<>();
        for (int i = 0; i < hosts.size(); i++) {
            out.add(answer(hosts.get(i).id(), futures.get(i), deadline));
        }
        return out;
    }

    private static HostAnswer answer(String host, CompletableFuture<Response> f, long deadline) {
        try {
            Response r = f.get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            if (r.isOk()) {
                return new HostAnswer(host, true, r.result().orElse(JsonNodeFactory.instance.nullNode()));
            }
            return new HostAnswer(host, false, error(r.error().map(e -> e.code()).orElse(r.status().toString()),
                    r.error().map(e -> e.message()).orElse("")));
        } catch (TimeoutException e) {
            f.cancel(false);
            return new HostAnswer(host, false, error("timeout", "no answer in time"));
        } catch (ExecutionException e) {
            return new HostAnswer(host, false, error("failed", String.valueOf(e.getCause())));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new HostAnswer(host, false, error("interrupted", "interrupted"));
        }
    }

    private static JsonNode error(String code, String message) {
        ObjectNode o = JsonNodeFactory.instance.objectNode();
        o.put("error", code);
        o.put("message", message);
        return o;
    }
}
