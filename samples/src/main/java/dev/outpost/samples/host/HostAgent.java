package dev.outpost.samples.host;

import dev.outpost.core.Scheduler;
import dev.outpost.core.config.OutpostConfig;
import dev.outpost.host.ProcessesCollector;
import dev.outpost.host.outbox.OutboxTransport;
import dev.outpost.spi.Transport;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;

/**
 * The process shipper's agent: ships {@code host.processes} every 5 s to the {@code records}
 * destination through an on-disk outbox, so that no sample is lost while the destination is down.
 *
 * <pre>
 * outpost:
 *   agent:
 *     id: web-01                     # the record store's source name: letters, digits, '.', '-'
 *     period: 5s
 *     top: 0                         # 0 = every process; N = the N busiest by CPU
 *   outbox:                          # OutboxTransport's keys (collectors-host)
 *     dir: /var/lib/outpost/outbox
 *     max-messages: 20000            # about a day of 5-second samples
 *     when-full: drop-oldest         # or reject-new
 *   collectors:
 *     host:
 *       processes:
 *         include-arguments: true
 *   sqs:                             # omit for an in-memory dry run
 *     region: eu-west-1
 *     records: outpost-records
 * </pre>
 */
public final class HostAgent {
    private HostAgent() {}

    public static void main(String[] args) throws Exception {
        OutpostConfig config = OutpostConfig.load(args.length == 2 && args[0].equals("--config")
                ? Optional.of(Path.of(args[1])) : Optional.empty());
        String id = config.string("outpost.agent.id").orElse(java.net.InetAddress.getLocalHost().getHostName());
        Duration period = config.duration("outpost.agent.period").orElse(Duration.ofSeconds(5));
        int top = config.intValue("outpost.agent.top").orElse(0);
        Transport network = HostTransports.from(config, "records");
        OutboxTransport.Builder outboxBuilder = OutboxTransport.builder(network).configure(config);
        if (config.string("outpost.outbox.dir").isEmpty()) {
            outboxBuilder.directory(Path.of("outbox"));
        }
        if (config.string("outpost.outbox.max-messages").isEmpty()) {
            outboxBuilder.maxMessages(20_000); // about a day of 5-second samples
        }
        OutboxTransport outbox = outboxBuilder.build().start();
        Scheduler.Job job = new Scheduler.Job(new ProcessesCollector(), period, "records",
                (com.fasterxml.jackson.databind.node.ObjectNode) dev.outpost.Json.toTree(
                        top > 0 ? Map.of("top", top, "sortBy", "cpu") : Map.of()),
                Optional.empty(), period, config.subset("outpost.collectors.host.processes"));
        Scheduler scheduler = Scheduler.builder(outbox).id(id).job(job).build().start();
        System.out.printf("agent %s: host.processes every %s to 'records'; outbox has %d waiting%n", id, period, outbox.pending());
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            scheduler.close();
            outbox.close(); // what is still waiting stays on disk for the next start
            stopped.countDown();
        }, "outpost-agent-shutdown"));
        stopped.await();
    }
}
