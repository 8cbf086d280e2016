package dev.outpost.host;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.outpost.CollectorException;
import dev.outpost.Request;
import dev.outpost.core.BoundedPattern;
import dev.outpost.host.internal.LinuxProcTable;
import dev.outpost.host.internal.OshiProcTable;
import dev.outpost.host.internal.ProcInfo;
import dev.outpost.host.internal.SecretArguments;
import dev.outpost.host.internal.Settings;
import dev.outpost.Json;
import dev.outpost.spi.Collector;
import dev.outpost.spi.CollectorContext;
import java.time.Clock;
import java.time.Instant;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Predicate;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;
import oshi.PlatformEnum;
import oshi.SystemInfo;
import oshi.software.os.linux.LinuxOperatingSystem;

/**
 * {@code host.processes}: the process list, with the fields the process shipper sent where the
 * platform gives them. On Linux it reads {@code /proc} directly (one {@code stat} read and one
 * owner lookup per process; path and command line only for the processes returned); elsewhere it
 * uses OSHI. User names come from {@code /etc/passwd} on Linux (re-read when it changes); a uid
 * only a directory service knows is reported with {@code user} hidden.
 *
 * <p>Params (all optional): {@code user} (exact user name), {@code name} (a regular expression
 * searched in the process name, at most 200 characters; one that backtracks past a fixed amount of
 * work is refused as {@code bad-params}), {@code top} (keep the first N after
 * sorting), {@code sortBy} ({@code pid} (default), {@code cpu}, {@code memory}), {@code details}
 * (adds {@code openFiles}, {@code cwd}, {@code bytesRead}, {@code bytesWritten}, which cost a few
 * more reads per process).
 *
 * <p>Result: {@code {"collectedAt", "platform", "total", "returned", "processes": [...]}}; each
 * process has {@code pid, ppid, name, user, uid, state, path, arguments, startedAt, uptimeMs,
 * cpuPercent, cpuUserMs, cpuKernelMs, residentBytes, virtualBytes, memoryPercent, threads,
 * priority, hidden} (and the detail fields). A field the platform or the worker's permissions
 * hide is {@code null} and named in that process's {@code hidden} list, so that "unknown" is
 * never mistaken for zero or empty. {@code cpuPercent} is the share of one CPU since the previous
 * call of this collector (since the process started on the first call), like {@code top}'s.
 *
 * <p>Settings ({@code outpost.collectors.host.processes.*}): {@code include-arguments}
 * ({@code false}: command lines are left out, as they may carry secrets; with {@code true} the
 * values of secret-looking options, {@code --password=}, {@code -D...key=}, {@code --token X},
 * a URL's password, are replaced by {@code ****}) and
 * {@code max-processes} (10000, the most returned).
 */
public final class ProcessesCollector implements Collector {
    /** The collector's name. */
    public static final String NAME = "host.processes";
    private static final JsonNodeFactory F = JsonNodeFactory.instance;
    /** Character reads allowed for one request's name matching: far more than any sane pattern needs. */
    private static final long NAME_MATCH_BUDGET = 20_000_000L;
    private static final JsonNode SCHEMA = Json.parse("""
            {"type": "object", "additionalProperties": false,
             "properties": {
               "user": {"type": "string", "minLength": 1, "maxLength": 256},
               "name": {"type": "string", "minLength": 1, "maxLength": 200},
               "top": {"type": "integer", "minimum": 1, "maximum": 100000},
               "sortBy": {"enum": ["pid", "cpu", "memory"]},
               "details": {"type": "boolean"}}}""");

    private final ProcInfo.Table table;
    private final long totalMemory;
    private final PlatformEnum platform;
    private final Clock clock;
    /** pid to (start time, cpu ms, when) at the previous call, for cpuPercent over the interval. */
    private volatile Map<Integer, long[]> previous = Map.of();

    /** A collector for this host (found by {@code ServiceLoader}). */
    public ProcessesCollector() {
        this(Clock.systemUTC());
    }

    /** A collector stamping results with {@code clock}. */
    public ProcessesCollector(Clock clock) {
        this.clock = Objects.requireNonNull(clock, "clock");
        SystemInfo si = new SystemInfo();
        this.totalMemory = si.getHardware().getMemory().getTotal();
        this.platform = SystemInfo.getCurrentPlatform();
        this.table = platform == PlatformEnum.LINUX && LinuxProcTable.available()
                ? new LinuxProcTable(LinuxOperatingSystem.getHz(), LinuxOperatingSystem.getPageSize())
                : new OshiProcTable(si.getOperatingSystem());
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public String description() {
        return "the process list: pid, user, name, state, cpu, memory, threads, command line; filters and top N";
    }

    @Override
    public JsonNode paramsSchema() {
        return SCHEMA.deepCopy();
    }

    @Override
    public Object collect(Request request, CollectorContext context) {
        JsonNode p = request.params();
        Settings settings = new Settings(context.settings());
        boolean arguments = settings.bool("include-arguments", false);
        int max = (int) settings.longValue("max-processes", 10_000, 1, 1_000_000);
        boolean details = p.path("details").asBoolean(false);
        Predicate<ProcInfo> filter = x -> true;
        if (p.hasNonNull("user")) {
            String user = p.get("user").asText();
            filter = filter.and(x -> x.user().map(user::equals).orElse(false));
        }
        if (p.hasNonNull("name")) {
            Pattern name;
            try {
                name = Pattern.compile(p.get("name").asText());
            } catch (PatternSyntaxException e) {
                throw CollectorException.permanent("bad-params", "name is not a valid regular expression: " + e.getDescription());
            }
            BoundedPattern bounded = BoundedPattern.of(name, NAME_MATCH_BUDGET);
            filter = filter.and(x -> bounded.find(x.name()));
        }
        long nowNanos = System.nanoTime();
        List<ProcInfo> all = table.list();
        Map<Integer, long[]> prior = previous;
        Map<Integer, long[]> seen = new HashMap<>(all.size() * 2);
        Map<Integer, Double> cpu = new HashMap<>(all.size() * 2);
        long nowMs = System.currentTimeMillis();
        for (ProcInfo x : all) {
            long cpuMs = x.userMs() + x.kernelMs();
            long start = x.startedAtMs().orElse(0L);
            seen.put(x.pid(), new long[] {start, cpuMs, nowNanos});
            long[] before = prior.get(x.pid());
            double load;
            if (before != null && before[0] == start && nowNanos > before[2]) {
                load = (cpuMs - before[1]) * 1e6 / (nowNanos - before[2]);
            } else {
                long up = start > 0 ? nowMs - start : 0;
                load = up > 0 ? (double) cpuMs / up : 0;
            }
            cpu.put(x.pid(), Math.max(0, load) * 100.0);
        }
        previous = seen;
        Comparator<ProcInfo> order = switch (p.path("sortBy").asText("pid")) {
            case "cpu" -> Comparator.comparingDouble((ProcInfo x) -> cpu.get(x.pid())).reversed();
            case "memory" -> Comparator.comparingLong(ProcInfo::residentBytes).reversed();
            default -> Comparator.comparingInt(ProcInfo::pid);
        };
        int limit = Math.min(max, p.path("top").asInt(Integer.MAX_VALUE));
        List<ProcInfo> chosen;
        try {
            chosen = all.stream().filter(filter).sorted(order).limit(limit).toList();
        } catch (BoundedPattern.TooCostly e) {
            throw CollectorException.permanent("bad-params", "name: " + e.getMessage() + " (nested quantifiers?)");
        }
        ArrayNode out = F.arrayNode(chosen.size());
        for (ProcInfo x : chosen) {
            out.add(describe(x, cpu.get(x.pid()), nowMs, arguments, details));
        }
        ObjectNode result = F.objectNode();
        result.put("collectedAt", clock.instant().toString());
        result.put("platform", platform.name().toLowerCase(java.util.Locale.ROOT));
        result.put("total", all.size());
        result.put("returned", chosen.size());
        result.set("processes", out);
        return result;
    }

    private ObjectNode describe(ProcInfo x, double cpuPercent, long nowMs, boolean arguments, boolean details) {
        ObjectNode o = F.objectNode();
        ArrayNode hidden = F.arrayNode();
        ProcInfo.Extra extra = table.extra(x);
        o.put("pid", x.pid());
        o.put("ppid", x.ppid());
        o.put("name", x.name());
        text(o, hidden, "user", x.user());
        text(o, hidden, "uid", x.uid());
        o.put("state", x.state());
        text(o, hidden, "path", extra.path());
        if (arguments) {
            if (extra.arguments().isEmpty()) {
                o.putNull("arguments");
                hidden.add("arguments");
            } else {
                ArrayNode a = o.putArray("arguments");
                SecretArguments.mask(extra.arguments().get()).forEach(a::add);
            }
        }
        if (x.startedAtMs().isPresent()) {
            o.put("startedAt", Instant.ofEpochMilli(x.startedAtMs().get()).toString());
            o.put("uptimeMs", Math.max(0, nowMs - x.startedAtMs().get()));
        } else {
            o.putNull("startedAt");
            o.putNull("uptimeMs");
            hidden.add("startedAt");
            hidden.add("uptimeMs");
        }
        o.put("cpuPercent", Math.round(cpuPercent * 100.0) / 100.0);
        o.put("cpuUserMs", x.userMs());
        o.put("cpuKernelMs", x.kernelMs());
        o.put("residentBytes", x.residentBytes());
        o.put("virtualBytes", x.virtualBytes());
        o.put("memoryPercent", totalMemory > 0 ? Math.round(x.residentBytes() * 10000.0 / totalMemory) / 100.0 : 0.0);
        o.put("threads", x.threads());
        o.put("priority", x.priority());
        if (details) {
            ProcInfo.Details d = table.details(x);
            number(o, hidden, "openFiles", d.openFiles());
            text(o, hidden, "cwd", d.cwd());
            number(o, hidden, "bytesRead", d.bytesRead());
            number(o, hidden, "bytesWritten", d.bytesWritten());
        }
        o.set("hidden", hidden);
        return o;
    }

    private static void text(ObjectNode o, ArrayNode hidden, String field, Optional<String> value) {
        if (value.isEmpty()) {
            o.putNull(field);
            hidden.add(field);
        } else {
            o.put(field, value.get());
        }
    }

    private static void number(ObjectNode o, ArrayNode hidden, String field, Optional<Long> value) {
        if (value.isEmpty()) {
            o.putNull(field);
            hidden.add(field);
        } else {
            o.put(field, value.get());
        }
    }
}
