package dev.outpost.kv.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.outpost.CollectorException;
import dev.outpost.Request;
import dev.outpost.core.audit.AuditEvent;
import dev.outpost.core.audit.AuditLog;
import dev.outpost.spi.Collector;
import dev.outpost.spi.CollectorContext;
import dev.outpost.spi.RegistryKeys;
import dev.outpost.spi.Sender;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Records every registry write a remote caller asks of the broker ({@code kv.register},
 * {@code kv.replace}, {@code kv.update}, {@code kv.delete}) in an {@link AuditLog}: the sender,
 * the key, and as the event's params the operation, namespace, key, expected version and the
 * SHA-256 of the written value or patch (canonical JSON, as the worker's audit hashes params);
 * never the value itself, never an access key. Refused writes are recorded too.
 */
public final class WriteAudit {
    /** The collectors whose calls are writes. */
    public static final Set<String> WRITES = Set.of("kv.register", "kv.replace", "kv.update", "kv.delete");

    private final AuditLog log;
    private final String brokerId;
    private final Clock clock;

    public WriteAudit(AuditLog log, String brokerId, Clock clock) {
        this.log = log;
        this.brokerId = brokerId;
        this.clock = clock;
    }

    /** {@code collectors} with every write collector recording its calls. */
    public List<Collector> wrap(List<Collector> collectors) {
        List<Collector> out = new ArrayList<>(collectors.size());
        for (Collector c : collectors) {
            out.add(WRITES.contains(c.name()) ? audited(c) : c);
        }
        return out;
    }

    private Collector audited(Collector inner) {
        return new Collector() {
            @Override
            public String name() {
                return inner.name();
            }

            @Override
            public String description() {
                return inner.description();
            }

            @Override
            public JsonNode paramsSchema() {
                return inner.paramsSchema();
            }

            @Override
            public Object collect(Request request, CollectorContext context) throws Exception {
                long t0 = System.nanoTime();
                String outcome = "error";
                try {
                    Object result = inner.collect(request, context);
                    outcome = result instanceof JsonNode n && n.has("refused")
                            ? "refused:" + n.get("refused").path("code").asText("unknown") : "ok";
                    return result;
                } catch (CollectorException e) {
                    outcome = e.code();
                    throw e;
                } finally {
                    record(request, context, outcome, System.nanoTime() - t0);
                }
            }
        };
    }

    private void record(Request request, CollectorContext context, String outcome, long nanos) {
        try {
            JsonNode p = request.params();
            Optional<String> key = p.path("key").isTextual() ? Optional.of(p.get("key").asText()) : Optional.empty();
            ObjectNode details = Wire.JSON.createObjectNode();
            details.put("operation", request.collector());
            key.ifPresent(k -> {
                details.put("key", k);
                try {
                    details.put("namespace", RegistryKeys.namespaceOf(k));
                } catch (RuntimeException invalid) {
                    // an invalid key has no namespace; the outcome says invalid-key
                }
            });
            if (p.has("version")) {
                details.set("version", p.get("version"));
            }
            JsonNode written = p.has("value") ? p.get("value") : p.get("patch");
            if (written != null) {
                details.put(p.has("value") ? "valueSha256" : "patchSha256", AuditLog.sha256(written));
            }
            Optional<Sender> sender = context.sender();
            log.record(new AuditEvent(clock.instant(), AuditEvent.REGISTRY_WRITE, brokerId, Optional.of(request.id()),
                    sender.map(Sender::name), sender.isPresent(), key, Optional.of(details), outcome,
                    Duration.ofNanos(Math.max(0, nanos))));
        } catch (RuntimeException e) {
            // recording is never worth failing a write that was made: the log counts what it drops
        }
    }
}
