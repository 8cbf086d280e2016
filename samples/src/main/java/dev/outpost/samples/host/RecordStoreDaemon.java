package dev.outpost.samples.host;

import dev.outpost.core.config.OutpostConfig;
import dev.outpost.host.records.RecordConsumer;
import dev.outpost.host.records.RecordHttpServer;
import dev.outpost.host.records.RecordStore;
import dev.outpost.spi.Transport;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;

/**
 * The process shipper's server: a record store with both ways in — the {@code records} queue that
 * agents ship to, and the shipper's HTTP API ({@code POST /api/v1/record}, {@code GET /api/test/count},
 * {@code GET /api/test/latest}) for existing clients.
 *
 * <pre>
 * outpost:
 *   records:
 *     dir: /var/lib/outpost/records
 *     retention: 7d
 *     http:
 *       host: 127.0.0.1
 *       port: 8443
 *       token: ${env:OUTPOST_RECORDS_HTTP_TOKEN}   # or OUTPOST_RECORDS_HTTP_TOKEN in the environment
 *       keystore: /etc/outpost/records.p12        # omit for plain HTTP behind a TLS proxy
 *       keystore-password: changeit
 *   sqs:                                          # omit for an in-memory dry run
 *     region: eu-west-1
 *     records: outpost-records
 * </pre>
 */
public final class RecordStoreDaemon {
    private RecordStoreDaemon() {}

    public static void main(String[] args) throws Exception {
        OutpostConfig config = OutpostConfig.load(args.length == 2 && args[0].equals("--config")
                ? Optional.of(Path.of(args[1])) : Optional.empty());
        RecordStore.Builder storeBuilder = RecordStore.builder().configure(config);
        if (config.string("outpost.records.dir").isEmpty()) {
            storeBuilder.directory(Path.of("records"));
        }
        RecordStore store = storeBuilder.build().start();
        Transport transport = HostTransports.from(config, "records");
        RecordConsumer consumer = RecordConsumer.builder(transport, "records", store).configure(config).build().start();
        RecordHttpServer server = RecordHttpServer.builder(store).configure(config).build().start();
        boolean tls = config.string("outpost.records.http.keystore").isPresent();
        System.out.printf("record store %s: %d records, retention %s; HTTP%s on port %d; consuming 'records'%n",
                store.directory(), store.count(), store.retention(), tls ? "S" : "", server.port());
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            server.close();
            consumer.close();
            transport.close();
            store.close();
            stopped.countDown();
        }, "outpost-records-shutdown"));
        stopped.await();
    }
}
