package dev.outpost.samples.host;

import dev.outpost.core.Worker;
import dev.outpost.core.config.OutpostConfig;
import dev.outpost.host.CommandCollector;
import dev.outpost.nacl.KeyFiles;
import dev.outpost.nacl.KnownSenders;
import dev.outpost.nacl.SealedCodec;
import dev.outpost.spi.Transport;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;

/**
 * A Sera-style watcher: polls the {@code requests} queue, accepts only requests sealed by known
 * senders, and runs only allow-listed commands; {@code allow} schedules {@code disallow} an hour
 * later, and that revert survives a restart.
 *
 * <pre>
 * outpost:
 *   worker:
 *     id: watcher-01
 *   collectors:
 *     allow: host.command
 *     host:                      # or, the same: host.command:
 *       command:
 *         state-dir: /var/lib/outpost/commands
 *         commands: echo, allow, disallow
 *         command:
 *           echo:
 *             executable: /bin/echo
 *             args: '["{message}"]'
 *             params-schema: '{"type":"object","additionalProperties":false,"required":["message"],"properties":{"message":{"type":"string","maxLength":200}}}'
 *           allow:
 *             executable: /usr/sbin/ufw
 *             args: '["allow", "from", "{ip}", "to", "any", "port", "{port}"]'
 *             params-schema: '{"type":"object","additionalProperties":false,"required":["ip","port"],"properties":{"ip":{"type":"string","format":"ipv4"},"port":{"type":"integer","minimum":1,"maximum":65535}}}'
 *             sudo: true
 *             timeout: 12m
 *             revert: disallow
 *             revert-delay: 60m
 *           disallow:
 *             executable: /usr/sbin/ufw
 *             args: '["delete", "allow", "from", "{ip}", "to", "any", "port", "{port}"]'
 *             params-schema: '{"type":"object","additionalProperties":false,"required":["ip","port"],"properties":{"ip":{"type":"string","format":"ipv4"},"port":{"type":"integer","minimum":1,"maximum":65535}}}'
 *             sudo: true
 *   nacl:
 *     secret-key: /etc/outpost/watcher.key
 *     known-senders: /etc/outpost/known_senders
 *   sqs:
 *     region: eu-west-1
 *     requests: outpost-requests
 *     dead-letter: outpost-requests-dead-letter
 * </pre>
 */
public final class CommandWatcher {
    private CommandWatcher() {}

    public static void main(String[] args) throws Exception {
        OutpostConfig config = OutpostConfig.load(args.length == 2 && args[0].equals("--config")
                ? Optional.of(Path.of(args[1])) : Optional.empty());
        // built at start, not on the first request: reverts that fell due while the watcher was down run now
        CommandCollector commands = CommandCollector.fromSettings(config.subset("outpost.collectors." + CommandCollector.NAME));
        Transport transport = HostTransports.from(config, "requests", "dead-letter");
        Worker worker = Worker.builder(transport).configure(config).builtins(false).collector(commands)
                .maxAttempts(CommandCollector.NAME, 1)
                // the worker's deadline cuts a command short: give it the longest command's timeout and a margin
                .timeout(CommandCollector.NAME, commands.commands().values().stream().map(c -> c.timeout())
                        .max(java.time.Duration::compareTo).orElse(java.time.Duration.ZERO).plusSeconds(30))
                .codec(SealedCodec.builder()
                        .identity(KeyFiles.readSecretKey(Path.of(config.require("outpost.nacl.secret-key"))))
                        .knownSenders(KnownSenders.load(Path.of(config.require("outpost.nacl.known-senders"))))
                        .build())
                .build().start();
        System.out.printf("watcher %s: commands %s, %d reverts pending%n", worker.id(), commands.commands().keySet(),
                commands.pendingReverts().size());
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            worker.close();
            commands.close();
            transport.close();
            stopped.countDown();
        }, "outpost-watcher-shutdown"));
        stopped.await();
    }
}
