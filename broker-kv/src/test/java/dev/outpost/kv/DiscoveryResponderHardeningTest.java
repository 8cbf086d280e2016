package dev.outpost.kv;

import static dev.outpost.kv.DiscoveryTestKeys.BROKER_KEY;
import static dev.outpost.kv.DiscoveryTestKeys.BROKER_PRIVATE;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.outpost.Json;
import dev.outpost.core.registry.InMemoryRegistry;
import dev.outpost.spi.Registry;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

/** The responder's own failures, and user code that leaves its thread interrupted. */
class DiscoveryResponderHardeningTest {
    private static final InetSocketAddress LOOPBACK_ANY_PORT = new InetSocketAddress(InetAddress.getLoopbackAddress(), 0);

    @Test
    void aThreadFactoryThatFailsLeavesNoSocketBound() throws Exception {
        try (InMemoryRegistry kv = InMemoryRegistry.create()) {
            DiscoveryResponder responder = DiscoveryResponder.builder(kv, LOOPBACK_ANY_PORT).signingKey(BROKER_PRIVATE).discoverable("svc")
                    .broadcast(false).threadFactory(r -> {
                        throw new IllegalStateException("no threads today");
                    }).build();
            assertThatThrownBy(responder::start).hasMessageContaining("no threads today");
            assertThat(responder.listening()).as("sockets closed when start fails").isEmpty();
            assertThat(responder.shutdown().get(10, TimeUnit.SECONDS).clean()).isTrue();
        }
    }

    @Test
    void anInterruptTheRegistryLeavesSetIsDroppedNotKeptSpinningTheLoop() throws Exception {
        try (InMemoryRegistry real = InMemoryRegistry.create()) {
            real.register("svc/billing", Json.parse("1"), Optional.empty());
            Registry rude = (Registry) Proxy.newProxyInstance(Registry.class.getClassLoader(), new Class<?>[] {Registry.class},
                    (proxy, method, args) -> {
                        if (method.getName().equals("get")) {
                            Thread.currentThread().interrupt(); // user code that caught an interrupt and set it again
                        }
                        try {
                            return method.invoke(real, args);
                        } catch (InvocationTargetException e) {
                            throw e.getCause();
                        }
                    });
            List<Thread> made = new CopyOnWriteArrayList<>();
            try (DiscoveryResponder responder = DiscoveryResponder.builder(rude, LOOPBACK_ANY_PORT).signingKey(BROKER_PRIVATE)
                    .discoverable("svc").broadcast(false).threadFactory(r -> {
                        Thread t = new Thread(r);
                        t.setDaemon(true);
                        made.add(t);
                        return t;
                    }).build().start()) {
                assertThat(DiscoveryClient.find(responder.address(), "svc/billing", BROKER_KEY, Duration.ofSeconds(10))).isPresent();
                Thread loop = made.get(0);
                // kept, it made every select return at once: the thread spun a core for as long as it ran
                Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> !loop.isInterrupted());
                assertThat(DiscoveryClient.ping(responder.address(), Json.parse("7"), BROKER_KEY, Duration.ofSeconds(10)))
                        .contains(Json.parse("7"));
            }
        }
    }

    @Test
    void aTickerWhoseOriginMakesItNegativeStillAnswers() throws Exception {
        // System.nanoTime's origin is arbitrary: its values may be negative
        AtomicLong now = new AtomicLong(-1_000_000_000_000_000_000L);
        try (InMemoryRegistry kv = InMemoryRegistry.create();
                DiscoveryResponder responder = DiscoveryResponder.builder(kv, LOOPBACK_ANY_PORT).signingKey(BROKER_PRIVATE)
                        .discoverable("svc").broadcast(false).ticker(now::get).build().start()) {
            assertThat(DiscoveryClient.ping(responder.address(), Json.parse("1"), BROKER_KEY, Duration.ofSeconds(10))).isPresent();
            assertThat(responder.dropped()).isZero();
        }
    }
}
