package dev.outpost.samples;

import dev.outpost.core.Worker;
import dev.outpost.core.config.OutpostConfig;
import dev.outpost.inmemory.InMemoryTransport;
import dev.outpost.kv.DiscoveryResponder;
import dev.outpost.kv.RegistryService;
import dev.outpost.kv.SqliteRegistry;
import dev.outpost.spi.Transport;
import dev.outpost.sqs.SqsProvisioner;
import dev.outpost.sqs.SqsTransport;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.AwsSessionCredentials;
import software.amazon.awssdk.auth.credentials.ProfileCredentialsProvider;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.sqs.SqsAsyncClient;
import software.amazon.awssdk.services.sqs.SqsAsyncClientBuilder;

/**
 * The broker: a durable registry on SQLite served over the transport, configured by a file:
 * {@code java -cp ... dev.outpost.samples.BrokerDaemon --config broker.yaml}.
 *
 * <pre>
 * outpost:
 *   broker:
 *     id: broker-1
 *     sqlite: /var/lib/outpost/kv.db
 *     backups: /var/lib/outpost/kv-backups   # omit for no backups
 *     backup-every: 1h
 *     backup-keep: 24
 *     namespaces-file: /etc/outpost/kv-namespaces.json   # the access rules, below
 *     discovery:                            # omit: no UDP socket at all
 *       bind: 127.0.0.1:20443
 *       namespaces: svc
 *       signing-key-file: /etc/outpost/discovery.key   # outpost keygen --discovery --out FILE writes it (0600) and prints the hosts' public key
 *   worker:
 *     reply-to.allow: host-*                # the hosts' reply queues, prefixes end in * (default outpost-client-*)
 *   sqs:                                    # omit for an in-memory transport (a dry run)
 *     region: eu-west-1
 *     endpoint: http://127.0.0.1:9324       # only for emulators
 *     provision: true                       # create the queues if missing
 *     requests: kv-requests
 *     dead-letter: kv-requests-dead-letter
 * </pre>
 *
 * The namespaces file (keep it owner-readable: it holds access keys):
 *
 * <pre>
 * {"svc": {"readers": ["*"], "write-secret": "change-me-to-a-long-random-string"},
 *  "cfg": {"readers": ["*"], "writers": ["OPS-PUBLIC-KEY-BASE64"]}}
 * </pre>
 */
public final class BrokerDaemon {
    private BrokerDaemon() {}

    public static void main(String[] args) throws Exception {
        OutpostConfig config = OutpostConfig.load(KvTool.configArg(args, "BrokerDaemon [--config FILE]"));
        String id = config.string("outpost.broker.id").orElse("broker");
        SqliteRegistry.Builder store = SqliteRegistry.builder(Path.of(config.string("outpost.broker.sqlite").orElse("kv.db")));
        config.string("outpost.broker.backups").filter(dir -> !dir.isBlank()).ifPresent(dir -> {
            store.backups(Path.of(dir));
            config.duration("outpost.broker.backup-every").ifPresent(store::backupEvery);
            config.intValue("outpost.broker.backup-keep").ifPresent(store::backupKeep);
        });
        SqliteRegistry registry = store.build().start();
        // configure(config) reads the namespace rules from their own file (outpost.broker.namespaces-file), refusing
        // one that others could read or replace: it holds access keys
        RegistryService.Builder service = RegistryService.builder(registry).brokerId(id).configure(config);
        Transport transport = transport(config);
        Worker.Builder wb = Worker.builder(transport).requests("kv-requests").collectors(service.build().collectors())
                .builtins(false).suppressDuplicates(10_000);
        // hosts' reply queues (outpost.worker.reply-to.allow, default outpost-client-*)
        List<String> replies = config.list("outpost.worker.reply-to.allow");
        if (!replies.isEmpty()) {
            wb.allowReplyTo(replies.toArray(String[]::new));
        }
        Worker worker = wb.build().start();
        Optional<DiscoveryResponder> discovery = config.string("outpost.broker.discovery.bind").filter(b -> !b.isBlank()).map(bind -> {
            int colon = bind.lastIndexOf(':');
            return DiscoveryResponder.builder(registry, new InetSocketAddress(bind.substring(0, colon), Integer.parseInt(bind.substring(colon + 1))))
                    .discoverable(config.list("outpost.broker.discovery.namespaces").toArray(String[]::new))
                    .brokerId(id).reach(Map.of("requests", config.string("outpost.sqs.requests").filter(q -> !q.isBlank()).orElse("kv-requests")))
                    .configure(config) // .broadcast, .max-answers-per-second and .signing-key-file (answers are signed)
                    .build().start();
        });
        System.out.println("broker " + id + " serving " + registry.file() + " on " + transport.getClass().getSimpleName()
                + discovery.map(d -> ", discovery on " + d.address()).orElse("") + "; configuration (secrets redacted):");
        config.redacted().forEach((k, v) -> System.out.println("  " + k + " = " + v));
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            discovery.ifPresent(DiscoveryResponder::close);
            worker.close();
            registry.close();
            transport.close();
            stopped.countDown();
        }, "outpost-broker-shutdown"));
        stopped.await();
    }

    /** SQS when {@code outpost.sqs} is configured (logical {@code kv-requests}), else in memory. */
    static Transport transport(OutpostConfig config) {
        if (!SqsConfig.configured(config)) {
            return InMemoryTransport.create();
        }
        SqsAsyncClient sqs = sqsClient(config);
        String requests = config.string("outpost.sqs.requests").filter(q -> !q.isBlank()).orElse("kv-requests");
        String dead = config.string("outpost.sqs.dead-letter").filter(q -> !q.isBlank()).orElse(requests + "-dead-letter");
        if (config.booleanValue("outpost.sqs.provision").orElse(false)) {
            SqsProvisioner p = new SqsProvisioner(sqs);
            p.queue(requests, Map.of());
            p.queue(dead, Map.of());
            config.string("outpost.sqs.replies").filter(q -> !q.isBlank()).ifPresent(q -> p.queue(q, Map.of()));
        }
        return SqsTransport.builder().sqsClient(sqs).queue("kv-requests", requests).queue("dead-letter", dead).build();
    }

    /**
     * The SQS client of the {@code outpost.sqs.*} keys a transport reads (region, endpoint, static
     * credentials or a profile), which the provisioner needs before there is a transport.
     */
    static SqsAsyncClient sqsClient(OutpostConfig config) {
        SqsAsyncClientBuilder b = SqsAsyncClient.builder();
        config.string("outpost.sqs.region").filter(r -> !r.isBlank()).ifPresent(r -> b.region(Region.of(r)));
        config.string("outpost.sqs.endpoint").filter(e -> !e.isBlank()).ifPresent(e -> b.endpointOverride(URI.create(e)));
        Optional<String> key = config.string("outpost.sqs.access-key-id").filter(k -> !k.isBlank());
        Optional<String> secret = config.string("outpost.sqs.secret-access-key").filter(k -> !k.isBlank());
        Optional<String> token = config.string("outpost.sqs.session-token").filter(k -> !k.isBlank());
        if (key.isPresent() && secret.isPresent()) {
            b.credentialsProvider(StaticCredentialsProvider.create(token.isPresent()
                    ? AwsSessionCredentials.create(key.get(), secret.get(), token.get())
                    : AwsBasicCredentials.create(key.get(), secret.get())));
        } else {
            config.string("outpost.sqs.profile").filter(p -> !p.isBlank())
                    .ifPresent(p -> b.credentialsProvider(ProfileCredentialsProvider.create(p)));
        }
        return b.build();
    }
}
