package dev.outpost.host;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.outpost.Request;
import dev.outpost.host.internal.Settings;
import dev.outpost.Json;
import dev.outpost.spi.Collector;
import dev.outpost.spi.CollectorContext;
import java.lang.management.ManagementFactory;
import java.time.Clock;
import java.time.Instant;
import java.util.LinkedHashSet;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;
import oshi.SystemInfo;
import oshi.hardware.CentralProcessor;
import oshi.hardware.GlobalMemory;
import oshi.hardware.HWDiskStore;
import oshi.hardware.HardwareAbstractionLayer;
import oshi.hardware.NetworkIF;
import oshi.software.os.OSFileStore;
import oshi.software.os.OperatingSystem;

/**
 * {@code host.facts}: what this host is, with stable field names that fleet targeting can filter on.
 *
 * <p>Params: {@code sections} (optional list of {@code os}, {@code cpu}, {@code memory},
 * {@code disks}, {@code fileSystems}, {@code network}, {@code jvm}, {@code tags}; all by default).
 *
 * <p>Result (every section present when asked for):
 * <pre>
 * {"collectedAt": "...", "hostname": "web-01", "tags": {"role": "web", "env": "prod"},
 *  "os": {"family": "Debian GNU/Linux", "version": "12", "codename": "bookworm", "build": "...",
 *         "kernel": "6.1.0-18-amd64", "arch": "amd64", "bitness": 64, "bootTime": "...", "uptimeSeconds": 86400, "domain": "..."},
 *  "cpu": {"model": "...", "vendor": "...", "physical": 4, "logical": 8, "packages": 1, "maxFreqHz": 3600000000},
 *  "memory": {"totalBytes": ..., "availableBytes": ..., "swapTotalBytes": ..., "swapUsedBytes": ...},
 *  "disks": [{"name": "/dev/sda", "model": "...", "sizeBytes": ...}],
 *  "fileSystems": [{"mount": "/", "type": "ext4", "volume": "/dev/sda1", "totalBytes": ..., "usableBytes": ..., "freeBytes": ...}],
 *  "network": [{"name": "eth0", "mac": "...", "mtu": 1500, "up": true, "ipv4": ["10.0.0.5/24"], "ipv6": ["fe80::.../64"], "speedBps": ...}],
 *  "jvm": {"version": "17.0.15", "vendor": "...", "name": "OpenJDK 64-Bit Server VM", "maxHeapBytes": ..., "processors": 8, "pid": 1234}}
 * </pre>
 *
 * <p>Settings ({@code outpost.collectors.host.facts.*}): {@code tags} — comma-separated
 * {@code key=value} pairs reported under {@code tags}, e.g. {@code role=web, env=prod}.
 */
public final class FactsCollector implements Collector {
    /** The collector's name. */
    public static final String NAME = "host.facts";
    private static final JsonNodeFactory F = JsonNodeFactory.instance;
    private static final JsonNode SCHEMA = Json.parse("""
            {"type": "object", "additionalProperties": false,
             "properties": {"sections": {"type": "array", "uniqueItems": true,
               "items": {"enum": ["os", "cpu", "memory", "disks", "fileSystems", "network", "jvm", "tags"]}}}}""");

    private final SystemInfo si = new SystemInfo();
    private final Clock clock;

    /** A collector for this host (found by {@code ServiceLoader}). */
    public FactsCollector() {
        this(Clock.systemUTC());
    }

    /** A collector stamping results with {@code clock}. */
    public FactsCollector(Clock clock) {
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public String description() {
        return "host facts: OS, kernel, hostname, CPUs, memory, disks, file systems, network, uptime, JVM, tags";
    }

    @Override
    public JsonNode paramsSchema() {
        return SCHEMA.deepCopy();
    }

    @Override
    public Object collect(Request request, CollectorContext context) {
        Set<String> sections = new LinkedHashSet<>();
        request.params().path("sections").forEach(s -> sections.add(s.asText()));
        boolean all = sections.isEmpty();
        OperatingSystem os = si.getOperatingSystem();
        HardwareAbstractionLayer hw = si.getHardware();
        ObjectNode r = F.objectNode();
        r.put("collectedAt", clock.instant().toString());
        r.put("hostname", os.getNetworkParams().getHostName());
        if (all || sections.contains("tags")) {
            ObjectNode tags = r.putObject("tags");
            for (String pair : new Settings(context.settings()).list("tags")) {
                int eq = pair.indexOf('=');
                if (eq <= 0) {
                    throw Settings.bad("tags", "expected key=value pairs, got '" + pair + "'");
                }
                tags.put(pair.substring(0, eq).trim(), pair.substring(eq + 1).trim());
            }
        }
        if (all || sections.contains("os")) {
            ObjectNode o = r.putObject("os");
            o.put("family", os.getFamily());
            o.put("manufacturer", os.getManufacturer());
            o.put("version", os.getVersionInfo().getVersion());
            o.put("codename", os.getVersionInfo().getCodeName());
            o.put("build", os.getVersionInfo().getBuildNumber());
            o.put("kernel", System.getProperty("os.version"));
            o.put("name", System.getProperty("os.name"));
            o.put("arch", System.getProperty("os.arch"));
            o.put("bitness", os.getBitness());
            o.put("bootTime", Instant.ofEpochSecond(os.getSystemBootTime()).toString());
            o.put("uptimeSeconds", os.getSystemUptime());
            o.put("domain", os.getNetworkParams().getDomainName());
            o.put("processes", os.getProcessCount());
        }
        if (all || sections.contains("cpu")) {
            CentralProcessor cpu = hw.getProcessor();
            ObjectNode c = r.putObject("cpu");
            c.put("model", cpu.getProcessorIdentifier().getName());
            c.put("vendor", cpu.getProcessorIdentifier().getVendor());
            c.put("microarchitecture", cpu.getProcessorIdentifier().getMicroarchitecture());
            c.put("physical", cpu.getPhysicalProcessorCount());
            c.put("logical", cpu.getLogicalProcessorCount());
            c.put("packages", cpu.getPhysicalPackageCount());
            c.put("maxFreqHz", cpu.getMaxFreq());
        }
        if (all || sections.contains("memory")) {
            GlobalMemory m = hw.getMemory();
            ObjectNode o = r.putObject("memory");
            o.put("totalBytes", m.getTotal());
            o.put("availableBytes", m.getAvailable());
            o.put("swapTotalBytes", m.getVirtualMemory().getSwapTotal());
            o.put("swapUsedBytes", m.getVirtualMemory().getSwapUsed());
        }
        if (all || sections.contains("disks")) {
            ArrayNode a = r.putArray("disks");
            for (HWDiskStore d : hw.getDiskStores()) {
                a.addObject().put("name", d.getName()).put("model", d.getModel()).put("sizeBytes", d.getSize());
            }
        }
        if (all || sections.contains("fileSystems")) {
            ArrayNode a = r.putArray("fileSystems");
            for (OSFileStore f : os.getFileSystem().getFileStores(true)) {
                a.addObject().put("mount", f.getMount()).put("type", f.getType()).put("volume", f.getVolume())
                        .put("totalBytes", f.getTotalSpace()).put("usableBytes", f.getUsableSpace())
                        .put("freeBytes", f.getFreeSpace());
            }
        }
        if (all || sections.contains("network")) {
            ArrayNode a = r.putArray("network");
            for (NetworkIF n : hw.getNetworkIFs(true)) {
                ObjectNode o = a.addObject();
                o.put("name", n.getName());
                o.put("mac", n.getMacaddr());
                o.put("mtu", n.getMTU());
                o.put("up", n.getIfOperStatus() == NetworkIF.IfOperStatus.UP);
                o.put("speedBps", n.getSpeed());
                ArrayNode v4 = o.putArray("ipv4");
                String[] ips = n.getIPv4addr();
                Short[] masks = n.getSubnetMasks();
                for (int i = 0; i < ips.length; i++) {
                    v4.add(i < masks.length ? ips[i] + "/" + masks[i] : ips[i]);
                }
                ArrayNode v6 = o.putArray("ipv6");
                String[] ip6 = n.getIPv6addr();
                Short[] prefixes = n.getPrefixLengths();
                for (int i = 0; i < ip6.length; i++) {
                    v6.add(i < prefixes.length ? ip6[i] + "/" + prefixes[i] : ip6[i]);
                }
            }
        }
        if (all || sections.contains("jvm")) {
            ObjectNode j = r.putObject("jvm");
            j.put("version", System.getProperty("java.version"));
            j.put("vendor", System.getProperty("java.vendor"));
            j.put("name", System.getProperty("java.vm.name"));
            j.put("maxHeapBytes", Runtime.getRuntime().maxMemory());
            j.put("processors", Runtime.getRuntime().availableProcessors());
            j.put("pid", ProcessHandle.current().pid());
            j.put("uptimeMs", ManagementFactory.getRuntimeMXBean().getUptime());
            j.put("locale", Locale.getDefault().toLanguageTag());
        }
        return r;
    }
}
