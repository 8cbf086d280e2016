package dev.outpost.cli.internal;

import dev.outpost.core.files.OwnerOnlyFiles;
import dev.outpost.core.Scheduler;
import dev.outpost.core.Worker;
import dev.outpost.core.audit.AuditLog;
import dev.outpost.host.records.RecordConsumer;
import dev.outpost.host.records.RecordHttpServer;
import dev.outpost.host.records.RecordStore;
import dev.outpost.micrometer.MeterSettings;
import dev.outpost.micrometer.MeteredRegistry;
import dev.outpost.micrometer.MeteredTransport;
import dev.outpost.micrometer.PrometheusEndpoint;
import dev.outpost.micrometer.RecordStoreMetrics;
import dev.outpost.micrometer.SchedulerMetrics;
import dev.outpost.micrometer.WorkerMetrics;
import dev.outpost.spi.ConfigSource;
import dev.outpost.spi.Registry;
import dev.outpost.spi.Transport;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.util.Optional;

/**
 * What a daemon reports beside its work, from configuration: a Prometheus {@code /metrics}
 * endpoint when {@code outpost.metrics.prometheus.port} is set (the daemon's meters and the JVM's),
 * and an audit log when {@code outpost.audit.file} is set. Both are owned by the {@link Daemon}:
 * registered before the parts they watch, so they are closed after them (the last audit lines and
 * the last scrape see the drain).
 */
public final class Observability {
    private final Optional<PrometheusMeterRegistry> meters;
    private final Optional<PrometheusEndpoint> endpoint;
    private final Optional<AuditLog> audit;
    private final Optional<java.nio.file.Path> auditDir;
    private final Optional<java.nio.file.Path> auditFile;
    private Optional<WorkerMetrics> workerMetrics = Optional.empty();
    /** Prometheus's, with the timers' histogram as {@value #HISTOGRAMS} says. */
    private final MeterSettings settings;
    static final String HISTOGRAMS = "outpost.metrics.histograms";

    private Observability(Optional<PrometheusMeterRegistry> meters, Optional<PrometheusEndpoint> endpoint, Optional<AuditLog> audit,
            Optional<java.nio.file.Path> auditFile, MeterSettings settings) {
        this.settings = settings;
        this.auditFile = auditFile;
        this.auditDir = auditFile.map(java.nio.file.Path::getParent);
        this.meters = meters;
        this.endpoint = endpoint;
        this.audit = audit;
    }

    /**
     * Builds (does not start) what {@code config} asks for.
     *
     * @param auditDetails whether audit lines carry their params: true for the broker, whose
     *     registry-write params are the operation and hashes, never a value
     */
    public static Observability from(ConfigSource config, Daemon daemon, boolean auditDetails) {
        Optional<PrometheusMeterRegistry> meters = Optional.empty();
        Optional<PrometheusEndpoint> endpoint = Optional.empty();
        MeterSettings settings = MeterSettings.PROMETHEUS.withPercentileHistogram(config.booleanValue(HISTOGRAMS).orElse(true));
        if (PrometheusEndpoint.Builder.isConfigured(config)) {
            PrometheusMeterRegistry m = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
            endpoint = Optional.of(daemon.own(PrometheusEndpoint.builder(m).configure(config).build()));
            new JvmMemoryMetrics().bindTo(m);
            new JvmThreadMetrics().bindTo(m);
            new ProcessorMetrics().bindTo(m);
            new UptimeMetrics().bindTo(m);
            daemon.own(new JvmGcMetrics()).bindTo(m);
            meters = Optional.of(m);
        }
        Optional<AuditLog> audit = Optional.empty();
        Optional<java.nio.file.Path> auditFile = config.string("outpost.audit.file").filter(f -> !f.isBlank())
                .map(f -> java.nio.file.Path.of(f).toAbsolutePath());
        if (auditFile.isPresent()) {
            AuditLog.Builder b = AuditLog.fromConfig(config);
            if (auditDetails) {
                b.includeParams(true);
            }
            audit = Optional.of(daemon.own(b.build()));
        }
        return new Observability(meters, endpoint, audit, auditFile, settings);
    }

    /**
     * {@code transport}, timed and counted when metrics are on: count, total and max, no histogram.
     * Buckets are shared counters that every loop thread hits on every call; the request timer's are
     * the ones worth that cost (see the micrometer README).
     */
    public Transport meter(Transport transport) {
        return meters.<Transport>map(m -> MeteredTransport.wrap(transport, m, TRANSPORT)).orElse(transport);
    }

    private static final MeterSettings TRANSPORT = MeterSettings.PROMETHEUS.withPercentileHistogram(false);

    /** {@code registry}, timed when metrics are on. */
    public Registry meter(Registry registry) {
        return meters.<Registry>map(m -> MeteredRegistry.wrap(registry, m, settings)).orElse(registry);
    }

    /** Gives the worker being built its metrics listener and audit log, as configured. */
    public void instrument(Worker.Builder worker) {
        workerMetrics = meters.map(m -> WorkerMetrics.create(m, settings));
        workerMetrics.ifPresent(worker::listener);
        audit.ifPresent(worker::audit);
    }

    /** Gauges of a built worker (in flight, concurrency, queue depth, healthy), also of one built elsewhere (the broker's). */
    public void monitor(Worker worker) {
        if (workerMetrics.isEmpty()) {
            workerMetrics = meters.map(m -> WorkerMetrics.create(m, settings));
        }
        workerMetrics.ifPresent(m -> m.monitor(worker));
    }

    /** Counters of a built scheduler's jobs. */
    public void monitor(RecordStore store, RecordConsumer consumer, RecordHttpServer server) {
        meters.ifPresent(m -> {
            RecordStoreMetrics.monitor(m, store, settings);
            RecordStoreMetrics.monitor(m, consumer, settings);
            RecordStoreMetrics.monitor(m, server, settings);
        });
    }

    /** Binds the scheduler's meters, when metrics are on. */
    public void monitor(Scheduler scheduler) {
        meters.ifPresent(m -> SchedulerMetrics.monitor(m, scheduler, settings));
    }

    /** The audit log, when configured. */
    public Optional<AuditLog> audit() {
        return audit;
    }

    /** Starts the audit log and binds the endpoint; call before starting the parts they watch. */
    public void start() throws IOException {
        if (audit.isPresent() && auditDir.isPresent() && !java.nio.file.Files.isDirectory(auditDir.get())) {
            // the log writes off the hot path and only counts what it cannot write: a missing folder is found here, not never
            OwnerOnlyFiles.createDirectories(auditDir.get());
        }
        audit.ifPresent(AuditLog::start);
        if (endpoint.isPresent()) {
            endpoint.get().start();
        }
    }

    /** What the health line adds: where the metrics are, where the audit goes. */
    public String describe() {
        StringBuilder sb = new StringBuilder();
        endpoint.ifPresent(e -> {
            String host = e.address().getHostString();
            sb.append("; metrics on http://").append(host.contains(":") ? "[" + host + "]" : host).append(':') // IPv6 takes brackets
                    .append(e.address().getPort()).append("/metrics");
        });
        // the file, not AuditLog's toString (its sink, size and count)
        audit.ifPresent(a -> sb.append("; audit to ").append(auditFile.orElseThrow()));
        return sb.toString();
    }
}
