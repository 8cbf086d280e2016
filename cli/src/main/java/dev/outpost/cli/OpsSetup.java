package dev.outpost.cli;

import dev.outpost.ConfigException;
import dev.outpost.cli.internal.OpsDemoHosts;
import dev.outpost.cli.internal.SdkEventLoop;
import dev.outpost.core.config.OutpostConfig;
import dev.outpost.core.lifecycle.OwnedThreads;
import dev.outpost.core.json.JsonCodec;
import dev.outpost.fleet.Fleet;
import dev.outpost.nacl.SealedCodec;
import dev.outpost.ops.Access;
import dev.outpost.ops.CommandRouter;
import dev.outpost.ops.DailyExporter;
import dev.outpost.ops.ObservingFleet;
import dev.outpost.ops.OutpostFleet;
import dev.outpost.ops.ResultJournal;
import dev.outpost.ops.RulesEngine;
import dev.outpost.spi.Codec;
import dev.outpost.spi.Registry;
import dev.outpost.spi.Transport;
import dev.outpost.sqs.SqsTransport;
import java.net.URI;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3AsyncClient;
import software.amazon.awssdk.services.s3.S3AsyncClientBuilder;

/**
 * The ops layer of {@code outpost ops} and {@code outpost ops-bot}, from configuration alone: the
 * transport ({@code outpost.sqs.*}, or the in-process OCTOBOX hosts with {@code --demo}), the
 * registry holding the fleet's inventory ({@code outpost.ops.registry.*}), an {@code outpost-fleet}
 * {@link Fleet} over both, the rules ({@code outpost.ops.rules.*}), the results journal and the
 * daily S3 export ({@code outpost.ops.export.*}). Nothing is started until {@link #start()}.
 */
final class OpsSetup implements AutoCloseable {
    private final List<AutoCloseable> owned = new ArrayList<>();
    final OutpostConfig config;
    final Registry registry;
    final Fleet fleet;
    final ObservingFleet observed;
    final RulesEngine rules;
    final Optional<ResultJournal> journal;
    final Optional<DailyExporter> exporter;
    /** The export's S3 client, when there is an export. */
    Optional<S3AsyncClient> exportClient = Optional.empty();
    /** The name prefix of its I/O threads ({@code outpost-ops-s3-N-io-M}). */
    static final String S3_IO_THREADS = "outpost-ops-s3-";
    final String where;

    OpsSetup(OutpostConfig config, boolean demo, Consumer<String> notifier) {
        this.config = config;
        try {
            Transport transport;
            Codec codec = JsonCodec.create();
            if (demo) {
                OpsDemoHosts hosts = own(OpsDemoHosts.start());
                transport = hosts.transport();
                registry = hosts.registry();
                where = "the in-process OCTOBOX hosts (web-1, fw-1)";
            } else {
                if (!Connection.sqsConfigured(config)) {
                    throw ConfigException.of("outpost.sqs.region", "outpost ops needs a transport: set outpost.sqs.region (and"
                            + " outpost.sqs.endpoint for an emulator), or try the in-process hosts with --demo");
                }
                transport = own(SqsTransport.builder().configure(config).build());
                if (SealedCodec.Builder.isConfigured(config)) {
                    codec = SealedCodec.builder().configure(config).build();
                }
                Inventory inventory = Inventory.open(config, transport, codec, this::own);
                registry = inventory.registry();
                where = inventory.where();
            }
            fleet = own(Fleet.builder(transport).registry(registry).codec(codec).configure(config).build());
            int keepDays = config.intValue("outpost.ops.export.journal-keep-days").orElse(ResultJournal.DEFAULT_KEEP_DAYS);
            if (keepDays < 2) {
                throw ConfigException.of("outpost.ops.export.journal-keep-days", "must be at least 2, was " + keepDays);
            }
            journal = config.string("outpost.ops.export.journal").filter(s -> !s.isBlank())
                    .map(d -> new ResultJournal(Path.of(d), java.time.Clock.systemUTC(), keepDays));
            AtomicReference<RulesEngine> engine = new AtomicReference<>();
            observed = new ObservingFleet(new OutpostFleet(fleet), o -> {
                RulesEngine r = engine.get();
                if (r != null) {
                    r.offer(o);
                }
                journal.ifPresent(j -> j.append(o.host(), o.collector(), o.result()));
            });
            rules = own(RulesEngine.builder(observed).registry(registry).configure(config).notifier(notifier).build());
            engine.set(rules);
            exporter = exporter(config, journal);
        } catch (RuntimeException e) {
            close();
            throw e;
        }
    }

    /** The export when a bucket is set; the S3 client is owned before the exporter, so it closes after it. */
    private Optional<DailyExporter> exporter(OutpostConfig config, Optional<ResultJournal> journal) {
        if (config.string("outpost.ops.export.bucket").filter(s -> !s.isBlank()).isEmpty()) {
            return Optional.empty();
        }
        if (journal.isEmpty()) {
            throw ConfigException.of("outpost.ops.export.journal", "is required when outpost.ops.export.bucket is set:"
                    + " the export sends the journal's days");
        }
        // owned before the client, so it ends after the client closed its connections
        S3AsyncClientBuilder s3 = S3AsyncClient.builder()
                .httpClientBuilder(own(new SdkEventLoop(new OwnedThreads("ops-s3", Optional.empty(), true).role("io"))).httpClient());
        config.string("outpost.ops.export.region").filter(s -> !s.isBlank()).map(Region::of).ifPresent(s3::region);
        config.string("outpost.ops.export.endpoint").filter(s -> !s.isBlank())
                .ifPresent(e -> s3.endpointOverride(endpoint(config, e)).forcePathStyle(true));
        S3AsyncClient client = own(s3.build());
        exportClient = Optional.of(client);
        return Optional.of(own(DailyExporter.builder(client, journal.get()).configure(config).build()));
    }

    /**
     * The export's S3 endpoint: an http(s) URL with a host, or a configuration error that does not
     * quote it (URI's own message does, user-info and all).
     */
    private static URI endpoint(OutpostConfig config, String text) {
        String key = "outpost.ops.export.endpoint";
        try {
            URI u = new URI(text.trim());
            if (("http".equals(u.getScheme()) || "https".equals(u.getScheme())) && u.getHost() != null) {
                return u;
            }
        } catch (java.net.URISyntaxException e) {
            // named below, without the value
        }
        throw ConfigException.of(key, "is not an http:// or https:// URL with a host (the value is not printed: it may"
                + " hold credentials)" + config.from(key));
    }

    /**
     * The router for a front end; {@code consoleUser} present: when no users are configured, that user may use the
     * console and run the collectors {@code outpost.ops.access.collectors} lists, or every one when it is unset.
     */
    CommandRouter router(Optional<String> consoleUser) {
        boolean configured = config.string("outpost.ops.access.users").filter(s -> !s.isBlank()).isPresent();
        Access configuredAccess = Access.from(config);
        Access access = consoleUser.filter(u -> !configured).map(u -> new Access(java.util.Set.of(u), java.util.Set.of("console"),
                // set to no entry is "none" (access fails closed), not unset
                config.string("outpost.ops.access.collectors").isEmpty() ? java.util.Set.of("*") : configuredAccess.collectors()))
                .orElse(configuredAccess);
        return CommandRouter.builder(observed).registry(registry).access(access).config(config::redacted).configure(config)
                .build();
    }

    /** Starts the fleet, the rules and the export schedule. */
    OpsSetup start() {
        fleet.start();
        rules.start();
        exporter.ifPresent(DailyExporter::start);
        return this;
    }

    private <T extends AutoCloseable> T own(T c) {
        owned.add(c);
        return c;
    }

    @Override
    public void close() {
        List<AutoCloseable> reversed = new ArrayList<>(owned);
        Collections.reverse(reversed);
        for (AutoCloseable c : reversed) {
            try {
                c.close();
            } catch (Exception e) {
                System.err.println("outpost: stopping " + c + " failed: " + e);
            }
        }
    }
}
