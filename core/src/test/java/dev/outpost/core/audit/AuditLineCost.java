package dev.outpost.core.audit;

import com.fasterxml.jackson.databind.JsonNode;
import dev.outpost.Json;
import dev.outpost.core.internal.JsonBytes;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.time.Duration;
import java.time.Instant;
import java.util.Locale;
import java.util.Optional;
import java.util.UUID;

/**
 * Not a test: the audit writer's rendering of a line alone, thread CPU per line, on one thread,
 * for events like {@code ObservedWorkerThroughput}'s (own params tree each, a fresh request id,
 * a collector name parsed anew). Run beside the module (see bench/README.md):
 * {@code ./mvnw -q -pl core test-compile exec:java -Dexec.classpathScope=test -Dexec.mainClass=dev.outpost.core.audit.AuditLineCost}.
 */
public final class AuditLineCost {
    private AuditLineCost() {}

    public static void main(String[] args) {
        int n = 4096;
        AuditEvent[] events = new AuditEvent[n];
        Instant t0 = Instant.parse("2026-12-06T06:00:00Z");
        for (int i = 0; i < n; i++) {
            JsonNode p = Json.parse("{\"path\":\"/var/log\",\"depth\":2,\"follow\":false}");
            events[i] = new AuditEvent(t0.plusNanos(i * 3_517L), AuditEvent.REQUEST, "host-12", Optional.of(UUID.randomUUID().toString()),
                    Optional.of("ops"), true, Optional.of(new String("disk.usage")), Optional.of(p), "ok", Duration.ofNanos(12_345));
        }
        AuditLines lines = new AuditLines(false);
        JsonBytes out = new JsonBytes(1 << 20);
        ThreadMXBean bean = ManagementFactory.getThreadMXBean();
        long bytes = 0;
        for (int r = 1; r <= 15; r++) {
            long c0 = bean.getCurrentThreadCpuTime();
            int total = 0;
            for (int k = 0; k < 200; k++) {
                out.setLength(0);
                for (int i = 0; i < 512; i++) { // a writer's batch
                    lines.render(events[(k * 512 + i) & (n - 1)], out);
                    out.ascii('\n');
                }
                bytes += out.length();
                total += 512;
            }
            long cpu = bean.getCurrentThreadCpuTime() - c0;
            System.out.printf(Locale.ROOT, "round %d: %.0f ns CPU per line%s%n", r, (double) cpu / total, r <= 5 ? " (JIT)" : "");
        }
        System.out.printf(Locale.ROOT, "%,d bytes rendered%n", bytes);
    }
}
