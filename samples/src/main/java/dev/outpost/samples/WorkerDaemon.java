package dev.outpost.samples;

import dev.outpost.core.Worker;
import dev.outpost.core.config.OutpostConfig;
import dev.outpost.inmemory.InMemoryTransport;
import dev.outpost.nacl.SealedCodec;
import dev.outpost.spi.Transport;
import dev.outpost.sqs.SqsTransport;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;

/**
 * A worker host assembled from the parts, configured by a file:
 * {@code java -cp ... dev.outpost.samples.WorkerDaemon --config worker.yaml}.
 *
 * <pre>
 * outpost:
 *   worker:
 *     id: web-01
 *     concurrency: 16
 *   collectors:
 *     allow: outpost.*,disk.usage,http.*
 *     http.request:
 *       allow-hosts: intranet.example.com
 *   sqs:                                # omit for an in-memory transport (a dry run)
 *     region: eu-west-1
 *     endpoint: http://127.0.0.1:9324   # only for emulators
 *     requests: outpost-requests
 *     dead-letter: outpost-requests-dead-letter
 *   nacl:                               # omit to accept unsealed JSON
 *     secret-key: /etc/outpost/worker.key
 *     known-senders: /etc/outpost/known_senders
 * </pre>
 *
 * Runs {@code disk.usage}, the collectors found on the class path ({@code http.request},
 * {@code http.html}) and the built-ins, until SIGTERM or Ctrl-C, then drains and stops.
 */
public final class WorkerDaemon {
    private WorkerDaemon() {}

    public static void main(String[] args) throws Exception {
        Optional<Path> file = Optional.empty();
        for (int i = 0; i < args.length; i++) {
            if (args[i].equals("--config") && i + 1 < args.length) {
                file = Optional.of(Path.of(args[++i]));
            } else {
                System.err.println("usage: WorkerDaemon [--config FILE]");
                System.exit(2);
            }
        }
        OutpostConfig config = OutpostConfig.load(file);
        Transport transport = transport(config);
        Worker.Builder builder = Worker.builder(transport).configure(config).collector(new DiskUsage()).discoverCollectors();
        boolean sealed = SealedCodec.Builder.isConfigured(config);
        if (sealed) {
            // key and known senders both required: a half-configured seal refuses to start rather than obey anyone
            builder.codec(SealedCodec.builder().configure(config).build());
        }
        Worker worker = builder.build().start();
        System.out.println("worker " + worker.id() + " running on " + transport.getClass().getSimpleName() + "; sealing "
                + (sealed ? "ON: only known senders are obeyed" : "OFF: unsealed JSON from anyone who can write to the queue")
                + "; configuration (secrets redacted):");
        config.redacted().forEach((k, v) -> System.out.println("  " + k + " = " + v));
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            worker.close();
            transport.close();
            stopped.countDown();
        }, "outpost-daemon-shutdown"));
        stopped.await();
    }

    static Transport transport(OutpostConfig config) {
        if (!SqsConfig.configured(config)) {
            return InMemoryTransport.create();
        }
        return SqsTransport.builder().configure(config).build();
    }
}
