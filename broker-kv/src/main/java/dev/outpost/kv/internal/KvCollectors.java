package dev.outpost.kv.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.NullNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.outpost.CollectorException;
import dev.outpost.Request;
import dev.outpost.spi.Collector;
import dev.outpost.spi.CollectorContext;
import dev.outpost.spi.Registry;
import dev.outpost.spi.RegistryEntry;
import dev.outpost.spi.RegistryException;
import dev.outpost.spi.RegistryKeys;
import dev.outpost.spi.RegistryPage;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.BiConsumer;

/** The broker's {@code kv.*} collectors: each checks the namespace rules, then calls the registry. */
public final class KvCollectors {
    /** The namespace check of {@code RegistryService.authorise}: returns the writer stamp or throws {@code forbidden}. */
    @FunctionalInterface
    public interface Authoriser {
        String authorise(Request request, CollectorContext context, String keyOrPrefix, boolean write);
    }

    /** How many entries a {@code kv.list} reads from the registry first; later reads ask for what the byte budget has room for. */
    static final int FIRST_READ = 32;

    private final Registry registry;
    private final Authoriser auth;
    private final BiConsumer<Request, CollectorContext> anyRead;
    private final String brokerId;
    private final int maxResponseBytes;

    /**
     * @param auth the namespace check of calls about one key or prefix
     * @param anyRead the check of calls about the whole store ({@code kv.revision}, {@code kv.ping}):
     *     throws {@code forbidden} unless the caller may read some namespace
     */
    public KvCollectors(Registry registry, Authoriser auth, BiConsumer<Request, CollectorContext> anyRead, String brokerId,
            int maxResponseBytes) {
        this.registry = registry;
        this.auth = auth;
        this.anyRead = anyRead;
        this.brokerId = brokerId;
        this.maxResponseBytes = maxResponseBytes;
    }

    /** The {@code kv.*} collectors. */
    public List<Collector> all() {
        List<Collector> all = new ArrayList<>();
        all.add(Collector.of("kv.get", "Reads a registry key", schema("[\"key\"]", ""), (r, c) -> get(r, c)));
        all.add(Collector.of("kv.register", "Creates a registry key", schema("[\"key\",\"value\"]",
                ",\"value\":{},\"ttlMillis\":{\"type\":\"integer\",\"minimum\":1}"), (r, c) -> register(r, c)));
        all.add(Collector.of("kv.replace", "Replaces a registry key's value at an expected version", schema("[\"key\",\"value\",\"version\"]",
                ",\"value\":{},\"version\":{\"type\":\"integer\",\"minimum\":1},\"ttlMillis\":{\"type\":\"integer\",\"minimum\":1},"
                        + "\"keepTtl\":{\"type\":\"boolean\"}"), (r, c) -> replace(r, c)));
        all.add(Collector.of("kv.update", "Applies a JSON merge patch to a registry key", schema("[\"key\",\"patch\"]", ",\"patch\":{}"),
                (r, c) -> update(r, c)));
        all.add(Collector.of("kv.delete", "Deletes a registry key", schema("[\"key\"]", ",\"version\":{\"type\":\"integer\",\"minimum\":1}"),
                (r, c) -> delete(r, c)));
        all.add(Collector.of("kv.list", "Lists registry keys by prefix, a page at a time", Wire.schema("{\"type\":\"object\","
                + "\"required\":[\"prefix\"],\"properties\":{\"prefix\":{\"type\":\"string\",\"maxLength\":512},"
                + "\"limit\":{\"type\":\"integer\",\"minimum\":1,\"maximum\":" + Registry.MAX_PAGE_SIZE + "},"
                + "\"pageToken\":{\"type\":\"string\",\"maxLength\":2048},\"accessKey\":{\"type\":\"string\",\"maxLength\":512}}}"),
                (r, c) -> list(r, c)));
        // about the whole store, not one namespace: a caller who may read none learns nothing, not even the write rate
        all.add(Collector.of("kv.revision", "The registry's store revision", accessKeyOnly(), (r, c) -> {
            anyRead.accept(r, c);
            return Wire.JSON.createObjectNode().put("revision", guard("", registry::revision));
        }));
        all.add(Collector.of("kv.ping", "Echoes the caller's data", accessKeyOnly(), (r, c) -> {
            anyRead.accept(r, c);
            ObjectNode out = Wire.JSON.createObjectNode();
            out.set("data", r.params().has("data") ? r.params().get("data") : NullNode.getInstance());
            out.put("broker", brokerId);
            return out;
        }));
        return all;
    }

    private static JsonNode accessKeyOnly() {
        return Wire.schema("{\"type\":\"object\",\"properties\":{\"accessKey\":{\"type\":\"string\",\"maxLength\":512}}}");
    }

    private static JsonNode schema(String required, String moreProperties) {
        return Wire.schema("{\"type\":\"object\",\"required\":" + required + ",\"properties\":{"
                + "\"key\":{\"type\":\"string\",\"minLength\":1,\"maxLength\":" + RegistryKeys.MAX_KEY_LENGTH + "},"
                + "\"writer\":{\"type\":\"string\",\"maxLength\":64},"
                + "\"accessKey\":{\"type\":\"string\",\"maxLength\":512}" + moreProperties + "}}");
    }

    private Object get(Request r, CollectorContext c) {
        String key = text(r, "key");
        auth.authorise(r, c, key, false);
        Optional<RegistryEntry> e = guard(key, () -> registry.get(key));
        ObjectNode out = Wire.JSON.createObjectNode();
        out.set("entry", e.<JsonNode>map(Wire::entry).orElse(NullNode.getInstance()));
        return out;
    }

    private Object register(Request r, CollectorContext c) {
        String key = text(r, "key");
        Registry as = registry.writingAs(auth.authorise(r, c, key, true));
        Optional<Duration> ttl = ttl(r);
        checkDepth(key, r.params().get("value"));
        return outcome(key, () -> entry(as.register(key, r.params().get("value"), ttl)));
    }

    private Object replace(Request r, CollectorContext c) {
        String key = text(r, "key");
        Registry as = registry.writingAs(auth.authorise(r, c, key, true));
        long version = longParam(r, "version");
        JsonNode value = r.params().get("value");
        checkDepth(key, value);
        boolean keep = r.params().path("keepTtl").asBoolean(false);
        Optional<Duration> ttl = ttl(r);
        return outcome(key, () -> entry(keep ? as.replace(key, value, version) : as.replace(key, value, version, ttl)));
    }

    private Object update(Request r, CollectorContext c) {
        String key = text(r, "key");
        Registry as = registry.writingAs(auth.authorise(r, c, key, true));
        checkDepth(key, r.params().get("patch"));
        return outcome(key, () -> entry(as.update(key, r.params().get("patch"))));
    }

    private Object delete(Request r, CollectorContext c) {
        String key = text(r, "key");
        Registry as = registry.writingAs(auth.authorise(r, c, key, true));
        return outcome(key, () -> {
            boolean deleted = r.params().has("version") ? as.delete(key, longParam(r, "version")) : as.delete(key);
            return Wire.JSON.createObjectNode().put("deleted", deleted);
        });
    }

    private Object list(Request r, CollectorContext c) {
        String prefix = text(r, "prefix");
        auth.authorise(r, c, prefix, false);
        int limit = r.params().path("limit").asInt(100);
        Optional<String> cursor = r.params().hasNonNull("pageToken") ? Optional.of(r.params().get("pageToken").asText()) : Optional.empty();
        ObjectNode out = Wire.JSON.createObjectNode();
        ArrayNode entries = out.putArray("entries");
        // a page ends early (with a token) rather than exceed what one message may carry; the
        // registry is read a little at a time, so a listing of large values loads about what it
        // answers with, not `limit` values of which all but a few are thrown away
        long bytes = 0;
        int ask = Math.min(limit, FIRST_READ);
        while (true) {
            Optional<String> from = cursor;
            int n = ask;
            RegistryPage page = guard(prefix, () -> registry.list(prefix, n, from));
            for (RegistryEntry e : page.entries()) {
                ObjectNode json = Wire.entry(e);
                long size = json.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8).length;
                if (!entries.isEmpty() && bytes + size > maxResponseBytes) {
                    out.put("nextPageToken", RegistryKeys.pageToken(entries.get(entries.size() - 1).get("key").asText()));
                    return out;
                }
                bytes += size;
                entries.add(json);
            }
            cursor = page.nextPageToken();
            if (cursor.isEmpty() || page.entries().isEmpty() || entries.size() >= limit) {
                cursor.ifPresent(t -> out.put("nextPageToken", t));
                return out;
            }
            // as many more as the rest of the byte budget holds at the sizes seen so far
            long average = Math.max(1, bytes / entries.size());
            ask = (int) Math.max(1, Math.min(limit - entries.size(), (maxResponseBytes - bytes) / average + 1));
        }
    }

    private static ObjectNode entry(RegistryEntry e) {
        ObjectNode out = Wire.JSON.createObjectNode();
        out.set("entry", Wire.entry(e));
        return out;
    }

    private static Optional<Duration> ttl(Request r) {
        return r.params().has("ttlMillis") ? Optional.of(Duration.ofMillis(longParam(r, "ttlMillis"))) : Optional.empty();
    }

    /**
     * Refuses a value (or patch) nested deeper than an answer can carry it, whatever registry is
     * served (this module's check it themselves; another's might not).
     */
    private static void checkDepth(String key, JsonNode value) {
        guard(key, () -> {
            Values.checkDepth(key, value);
            return null;
        });
    }

    /** An integer param that fits a long: a larger one would be read as another number (2^64 + 1 as 1). */
    private static long longParam(Request r, String name) {
        JsonNode n = r.params().get(name);
        if (!n.isIntegralNumber() || !n.canConvertToLong()) {
            throw CollectorException.permanent("invalid-argument", name + " must be an integer from 1 to " + Long.MAX_VALUE);
        }
        return n.longValue();
    }

    private static String text(Request r, String name) {
        return r.params().get(name).asText();
    }

    /** Runs a write; expected refusals become an ok {@code refused} result. */
    private static Object outcome(String key, java.util.function.Supplier<ObjectNode> write) {
        try {
            return guard(key, write);
        } catch (Refused refused) {
            ObjectNode out = Wire.JSON.createObjectNode();
            ObjectNode why = out.putObject("refused");
            why.put("code", refused.code);
            why.put("message", refused.getCause().getMessage());
            if (refused.getCause() instanceof RegistryException.VersionConflict vc) {
                why.put("expected", vc.expected());
                why.put("actual", vc.actual());
            }
            return out;
        }
    }

    /** Turns registry exceptions into refusals or permanent collector errors. */
    private static <T> T guard(String key, java.util.function.Supplier<T> call) {
        try {
            return call.get();
        } catch (RegistryException.KeyExists e) {
            throw new Refused("key-exists", e);
        } catch (RegistryException.NoSuchKey e) {
            throw new Refused("no-such-key", e);
        } catch (RegistryException.VersionConflict e) {
            throw new Refused("version-conflict", e);
        } catch (RegistryException.InvalidKey e) {
            throw CollectorException.permanent("invalid-key", e.getMessage());
        } catch (RegistryException.InvalidValue e) {
            throw CollectorException.permanent("invalid-value", e.getMessage());
        } catch (IllegalArgumentException e) {
            throw CollectorException.permanent("invalid-argument", e.getMessage());
        } catch (RegistryException.Closed e) {
            throw CollectorException.permanent("unavailable", "the broker's registry is closed");
        } catch (RegistryException e) {
            // store failures: the message names the file or table, never a secret
            throw CollectorException.permanent("unavailable", e.getMessage());
        }
    }

    /** An expected refusal on its way to becoming a result. */
    private static final class Refused extends RuntimeException {
        private static final long serialVersionUID = 1L;
        final String code;

        Refused(String code, RegistryException cause) {
            super(cause.getMessage(), cause, false, false);
            this.code = code;
        }
    }
}
