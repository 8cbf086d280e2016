package dev.outpost.core.internal;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.outpost.core.WorkerStatus;
import dev.outpost.Json;
import dev.outpost.spi.Collector;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import java.util.Map;
import java.util.function.Supplier;

/** The collectors every worker has: ping, status, the help listing, and the running configuration. */
public final class Builtins {
    public static final String PING = "outpost.ping";
    public static final String STATUS = "outpost.status";
    public static final String COLLECTORS = "outpost.collectors";
    public static final String CONFIG = "outpost.config";
    /** Every built-in name. */
    public static final Set<String> NAMES = Set.of(PING, STATUS, COLLECTORS, CONFIG);
    /** Built-ins that run without an allow-list; {@code outpost.config} must be allowed by name. */
    public static final Set<String> OPEN_BY_DEFAULT = Set.of(PING, STATUS, COLLECTORS);

    private Builtins() {}

    public static List<Collector> all(String workerId, Supplier<WorkerStatus> status,
            Supplier<Map<String, CollectorEntry>> collectors, Supplier<Map<String, String>> config) {
        return List.of(
                simple(PING, "Answers with the params it was given: checks the path to a worker end to end.",
                        (req, ctx) -> {
                            ObjectNode out = Json.object();
                            out.put("worker", workerId);
                            out.put("time", Instant.now().toString());
                            out.set("echo", req.params());
                            return out;
                        }),
                simple(STATUS, "The worker's counters, in-flight work, latencies, queue depth and thread health.",
                        (req, ctx) -> withoutErrorTexts(status.get())),
                simple(COLLECTORS, "Every collector this worker runs, with its description, params schema and result schema.",
                        (req, ctx) -> {
                            ArrayNode out = Json.array();
                            collectors.get().forEach((name, e) -> {
                                if (e.listed()) {
                                    ObjectNode c = out.addObject();
                                    c.put("name", name);
                                    c.put("description", e.collector().description());
                                    c.set("params", e.schema().source());
                                    e.resultSchema().ifPresent(r -> c.set("result", r.source()));
                                    c.put("timeout", e.timeout().toString());
                                    c.put("maxAttempts", e.maxAttempts());
                                }
                            });
                            return out;
                        }),
                simple(CONFIG, "The worker's running configuration; only keys declared as not secret show their values.",
                        (req, ctx) -> config.get()));
    }

    /**
     * The status as a remote caller sees it: the pollers' errors by their kind only. A transport's error text names
     * internal hosts, accounts and queues, and stays in the status after the outage; the worker's log and
     * {@code Worker.status()} keep it whole.
     */
    static ObjectNode withoutErrorTexts(WorkerStatus s) {
        ObjectNode out = (ObjectNode) Json.toTree(s);
        if (out.path("receiveFailure").isTextual()) {
            out.put("receiveFailure", kindOf(out.path("receiveFailure").textValue()));
        }
        for (com.fasterxml.jackson.databind.JsonNode t : out.path("threads")) {
            if (t instanceof ObjectNode thread && !thread.path("lastError").asText().isEmpty()) {
                thread.put("lastError", kindOf(thread.path("lastError").textValue()));
            }
        }
        return out;
    }

    /** {@code Throwable.toString()}'s class name, without its message. */
    private static String kindOf(String error) {
        int colon = error.indexOf(':');
        String type = colon < 0 ? error : error.substring(0, colon);
        boolean className = !type.isEmpty() && type.length() <= 200
                && type.chars().allMatch(c -> (Character.isJavaIdentifierPart(c) && !Character.isISOControl(c)) || c == '.');
        return (className ? type : "an error") + " (the worker's log has the detail)";
    }

    private static Collector simple(String name, String description, Collector.Handler body) {
        return Collector.of(name, description, Json.anyObjectSchema(), body);
    }
}
