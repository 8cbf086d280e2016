package dev.outpost.samples;

import com.fasterxml.jackson.databind.JsonNode;
import dev.outpost.Json;
import dev.outpost.core.Client;
import dev.outpost.core.config.OutpostConfig;
import dev.outpost.kv.RemoteRegistry;
import dev.outpost.spi.RegistryEntry;
import dev.outpost.spi.RegistryKeys;
import dev.outpost.spi.Transport;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * A host talking to the broker from another process:
 * {@code KvTool --config host.yaml register svc/billing '{"queue":"billing"}' [ttl-seconds]},
 * {@code get KEY}, {@code list PREFIX}, {@code delete KEY}, {@code ping DATA}. Same {@code outpost.sqs}
 * settings as {@link BrokerDaemon} plus {@code outpost.sqs.replies} (this host's reply queue) and
 * {@code outpost.kv.access-key} (the key of the namespace this invocation touches, when it is guarded by one).
 */
public final class KvTool {
    private KvTool() {}

    public static void main(String[] args) throws Exception {
        List<String> rest = new ArrayList<>(List.of(args));
        Optional<Path> file = Optional.empty();
        if (rest.size() >= 2 && rest.get(0).equals("--config")) {
            file = Optional.of(Path.of(rest.get(1)));
            rest = rest.subList(2, rest.size());
        }
        if (rest.isEmpty()) {
            System.err.println("usage: KvTool [--config FILE] register KEY JSON [TTL_SECONDS] | get KEY | list PREFIX | delete KEY | ping JSON");
            System.exit(2);
        }
        OutpostConfig config = OutpostConfig.load(file);
        Transport transport = BrokerDaemon.transport(config);
        Client.Builder cb = Client.builder(transport).requests("kv-requests").pollWait(Duration.ofSeconds(1));
        config.string("outpost.sqs.replies").filter(q -> !q.isBlank()).ifPresent(cb::replyTo);
        String target = rest.size() > 1 && !rest.get(0).equals("ping") ? rest.get(1) : "kv/ping";
        try (Client client = cb.build().start(); RemoteRegistry kv = remote(client, config, target)) {
            String op = rest.get(0);
            switch (op) {
                case "register" -> print(kv.register(rest.get(1), Json.parse(rest.get(2)),
                        rest.size() > 3 ? Optional.of(Duration.ofSeconds(Long.parseLong(rest.get(3)))) : Optional.empty()));
                case "get" -> kv.get(rest.get(1)).ifPresentOrElse(KvTool::print, () -> System.out.println("(absent)"));
                case "list" -> kv.list(rest.get(1)).forEach(KvTool::print);
                case "delete" -> System.out.println(kv.delete(rest.get(1)) ? "deleted" : "(absent)");
                case "ping" -> System.out.println(kv.ping(Json.parse(rest.get(1))));
                default -> {
                    System.err.println("unknown operation " + op);
                    System.exit(2);
                }
            }
        } finally {
            transport.close();
        }
    }

    private static RemoteRegistry remote(Client client, OutpostConfig config, String keyOrPrefix) {
        RemoteRegistry.Builder b = RemoteRegistry.builder(client);
        // one access key, for the namespace of the key this invocation touches
        config.string("outpost.kv.access-key").filter(k -> !k.isBlank())
                .ifPresent(k -> b.accessKey(RegistryKeys.namespaceOf(keyOrPrefix), k));
        return b.build();
    }

    private static void print(RegistryEntry e) {
        JsonNode v = e.value();
        System.out.println(e.key() + " v" + e.version() + " " + v + " (by " + e.updatedBy().orElse("?") + " at " + e.updatedAt()
                + e.expiresAt().map(x -> ", expires " + x).orElse("") + ")");
    }

    static Optional<Path> configArg(String[] args, String usage) {
        if (args.length == 0) {
            return Optional.empty();
        }
        if (args.length == 2 && args[0].equals("--config")) {
            return Optional.of(Path.of(args[1]));
        }
        System.err.println("usage: " + usage);
        System.exit(2);
        return Optional.empty();
    }
}
