package dev.outpost.host;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.outpost.CollectorException;
import dev.outpost.Request;
import dev.outpost.host.internal.Settings;
import dev.outpost.json.Json;
import dev.outpost.spi.Collector;
import dev.outpost.spi.CollectorContext;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Predicate;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;
import java.util.stream.Stream;
import oshi.PlatformEnum;
import oshi.SystemInfo;
import oshi.software.os.OSProcess;
import oshi.software.os.OperatingSystem;

/**
 * {@code host.processes}: the process list, with the fields the process shipper sent where the
 * platform gives them (read through OSHI: {@code /proc} on Linux, the native calls elsewhere).
 *
 * <p>Params (all optional): {@code user} (exact user name), {@code name} (a regular expression
 * searched in the process name, at most 200 characters), {@code top} (keep the first N after
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
 * ({@code true}; {@code false} leaves command lines out, as they may carry secrets) and
 * {@code max-processes} (10000, the most returned).
 */
public final class ProcessesCollector implements Collector {
    /** The collector's name. */
    public static final String NAME = "host.processes";
    private static final JsonNodeFactory F = JsonNodeFactory.instance;
    private static final JsonNode SCHEMA = Json.parse("""
            {"type": "object", "additionalProperties": false,
             "properties": {
               "user": {"type": "string", "minLength": 1, "maxLength": 256},
               "name": {"type": "string", "minLength": 1, "maxLength": 200},
               "top": {"type": "integer", "minimum": 1, "maximum": 100000},
               "sortBy": {"enum": ["pid", "cpu", "memory"]},
               "details": {"type": "boolean"}}}""");

    private final OperatingSystem os;
    private final long totalMemory;
    private final PlatformEnum platform;
    private final Clock clock;
    private volatile Map<Integer, OSProcess> previous = Map.of();

    /** A collector for this host (found by {@code ServiceLoader}). */
    public ProcessesCollector() {
        this(Clock.systemUTC());
    }

    /** A collector stamping results with {@code clock}. */
    public ProcessesCollector(Clock clock) {
        this.clock = Objects.requireNonNull(clock, "clock");
        SystemInfo si = new SystemInfo();
        this.os = si.getOperatingSystem();
        this.totalMemory = si.getHardware().getMemory().getTotal();
        this.platform = SystemInfo.getCurrentPlatform();
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
        boolean arguments = settings.bool("include-arguments", true);
        int max = (int) settings.longValue("max-processes", 10_000, 1, 1_000_000);
        boolean details = p.path("details").asBoolean(false);
        Predicate<OSProcess> filter = x -> true;
        if (p.hasNonNull("user")) {
            String user = p.get("user").asText();
            filter = filter.and(x -> user.equals(x.getUser()));
        }
        if (p.hasNonNull("name")) {
            Pattern name;
            try {
                name = Pattern.compile(p.get("name").asText());
            } catch (PatternSyntaxException e) {
                throw CollectorException.permanent("bad-params", "name is not a valid regular expression: " + e.getDescription());
            }
            filter = filter.and(x -> name.matcher(x.getName()).find());
        }
        List<OSProcess> all = os.getProcesses();
        Map<Integer, OSProcess> prior = previous;
        Map<Integer, OSProcess> now = new HashMap<>(all.size() * 2);
        Map<Integer, Double> cpu = new HashMap<>(all.size() * 2);
        for (OSProcess x : all) {
            now.put(x.getProcessID(), x);
            OSProcess before = prior.get(x.getProcessID());
            double load = before != null && before.getStartTime() == x.getStartTime()
                    ? x.getProcessCpuLoadBetweenTicks(before) : x.getProcessCpuLoadCumulative();
            cpu.put(x.getProcessID(), load * 100.0);
        }
        previous = now;
        Comparator<OSProcess> order = switch (p.path("sortBy").asText("pid")) {
            case "cpu" -> Comparator.comparingDouble((OSProcess x) -> cpu.get(x.getProcessID())).reversed();
            case "memory" -> Comparator.comparingLong(OSProcess::getResidentSetSize).reversed();
            default -> Comparator.comparingInt(OSProcess::getProcessID);
        };
        int limit = Math.min(max, p.path("top").asInt(Integer.MAX_VALUE));
        List<OSProcess> chosen = all.stream().filter(filter).sorted(order).limit(limit).toList();
        ArrayNode out = F.arrayNode(chosen.size());
        for (OSProcess x : chosen) {
            out.add(describe(x, cpu.get(x.getProcessID()), arguments, details));
        }
        ObjectNode result = F.objectNode();
        result.put("collectedAt", clock.instant().toString());
        result.put("platform", platform.name().toLowerCase(java.util.Locale.ROOT));
        result.put("total", all.size());
        result.put("returned", chosen.size());
        result.set("processes", out);
        return result;
    }

    private ObjectNode describe(OSProcess x, double cpuPercent, boolean arguments, boolean details) {
        ObjectNode o = F.objectNode();
        ArrayNode hidden = F.arrayNode();
        o.put("pid", x.getProcessID());
        o.put("ppid", x.getParentProcessID());
        text(o, hidden, "name", x.getName());
        text(o, hidden, "user", x.getUser());
        text(o, hidden, "uid", x.getUserID());
        o.put("state", x.getState().name().toLowerCase(java.util.Locale.ROOT));
        text(o, hidden, "path", x.getPath());
        if (arguments) {
            List<String> args = x.getArguments();
            if (args.isEmpty()) {
                o.putNull("arguments");
                hidden.add("arguments");
            } else {
                ArrayNode a = o.putArray("arguments");
                args.forEach(a::add);
            }
        }
        if (x.getStartTime() > 0) {
            o.put("startedAt", Instant.ofEpochMilli(x.getStartTime()).toString());
        } else {
            o.putNull("startedAt");
            hidden.add("startedAt");
        }
        o.put("uptimeMs", x.getUpTime());
        o.put("cpuPercent", Math.round(cpuPercent * 100.0) / 100.0);
        o.put("cpuUserMs", x.getUserTime());
        o.put("cpuKernelMs", x.getKernelTime());
        o.put("residentBytes", x.getResidentSetSize());
        o.put("virtualBytes", x.getVirtualSize());
        o.put("memoryPercent", totalMemory > 0 ? Math.round(x.getResidentSetSize() * 10000.0 / totalMemory) / 100.0 : 0.0);
        o.put("threads", x.getThreadCount());
        o.put("priority", x.getPriority());
        if (details) {
            long files = openFiles(x);
            if (files < 0) {
                o.putNull("openFiles");
                hidden.add("openFiles");
            } else {
                o.put("openFiles", files);
            }
            text(o, hidden, "cwd", x.getCurrentWorkingDirectory());
            o.put("bytesRead", x.getBytesRead());
            o.put("bytesWritten", x.getBytesWritten());
        }
        o.set("hidden", hidden);
        return o;
    }

    private static void text(ObjectNode o, ArrayNode hidden, String field, String value) {
        if (value == null || value.isEmpty() || value.equals("unknown")) {
            o.putNull(field);
            hidden.add(field);
        } else {
            o.put(field, value);
        }
    }

    /** Open descriptors, or -1 when the platform or permissions do not tell. */
    private long openFiles(OSProcess x) {
        if (platform == PlatformEnum.LINUX) {
            // OSHI answers 0 when /proc/PID/fd cannot be listed; tell that apart from "none open"
            try (Stream<Path> s = Files.list(Path.of("/proc", Integer.toString(x.getProcessID()), "fd"))) {
                return s.count();
            } catch (IOException | SecurityException e) {
                return -1;
            }
        }
        long n = x.getOpenFiles();
        return n < 0 ? -1 : n;
    }
}
