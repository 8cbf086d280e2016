package dev.outpost.kv;

import dev.outpost.Json;
import dev.outpost.core.registry.InMemoryRegistry;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;

/**
 * The two sides of {@link BroadcastDiscoveryTest}, each run in its own network namespace:
 * {@code respond ADDRESS PORT BROADCAST KEY-FILE} answers for {@code svc/billing}, signed with the
 * key in KEY-FILE, until stdin closes; {@code find BROADCAST-ADDRESS PORT PUBLIC-KEY SECONDS} prints what a
 * find sent there heard, within SECONDS, that PUBLIC-KEY signed.
 */
public final class DiscoveryNetnsMain {
    private DiscoveryNetnsMain() {}

    public static void main(String[] args) throws Exception {
        int port = Integer.parseInt(args[2]);
        if (args[0].equals("respond")) {
            try (InMemoryRegistry kv = InMemoryRegistry.create();
                    DiscoveryResponder r = DiscoveryResponder.builder(kv, new InetSocketAddress(args[1], port))
                            .signingKeyFile(java.nio.file.Path.of(args[4])).discoverable("svc")
                            .brokerId("broker-1").reach(Map.of("requests", "kv-requests")).broadcast(Boolean.parseBoolean(args[3]))
                            .build().start()) {
                kv.register("svc/billing", Json.parse("1"), Optional.empty());
                System.out.println("READY " + r.listening());
                System.out.flush();
                while (System.in.read() >= 0) {
                    // until the test closes our stdin
                }
            }
        } else {
            Optional<DiscoveryClient.Found> found = DiscoveryClient.find(new InetSocketAddress(args[1], port), "svc/billing",
                    DiscoveryKeys.publicKey(args[3]),
                    Duration.ofSeconds(Long.parseLong(args[4])));
            System.out.println(found.map(f -> "FOUND " + f.broker() + " from " + f.from().getAddress().getHostAddress() + " " + f.reach())
                    .orElse("NONE"));
        }
    }
}
