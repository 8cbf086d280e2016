package dev.outpost.kv;

import static dev.outpost.kv.DiscoveryTestKeys.BROKER_KEY;
import static dev.outpost.kv.DiscoveryTestKeys.BROKER_PRIVATE;
import static org.assertj.core.api.Assertions.assertThat;

import dev.outpost.Json;
import dev.outpost.ShutdownResult;
import dev.outpost.core.Client;
import dev.outpost.core.registry.InMemoryRegistry;
import dev.outpost.inmemory.InMemoryTransport;
import dev.outpost.spi.Registry;
import dev.outpost.testkit.LifecycleContract;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.io.TempDir;

/** testkit's lifecycle contract, run by every long-lived component of this module. */
class LifecycleTests {
    /** A registry whose {@code get} of {@code svc/boom} throws what the test sets: user code a component calls. */
    static final class Booby {
        final InMemoryRegistry real = InMemoryRegistry.create();
        final AtomicReference<Error> next = new AtomicReference<>();
        volatile CountDownLatch met = new CountDownLatch(1);
        final Registry registry = (Registry) Proxy.newProxyInstance(Registry.class.getClassLoader(), new Class<?>[] {Registry.class},
                (proxy, method, args) -> {
                    if (method.getName().equals("get") && "svc/boom".equals(args[0])) {
                        met.countDown();
                        Error e = next.get();
                        if (e != null) {
                            throw e;
                        }
                    }
                    try {
                        return method.invoke(real, args);
                    } catch (InvocationTargetException e) {
                        throw e.getCause();
                    }
                });
    }

    @Nested
    class SqliteRegistryLifecycle extends LifecycleContract<SqliteRegistry> {
        @TempDir
        Path dir;
        private final AtomicInteger n = new AtomicInteger();

        @Override
        protected SqliteRegistry create(ThreadFactory threads) {
            return SqliteRegistry.builder(dir.resolve("kv-" + n.incrementAndGet() + ".db")).threadFactory(threads).build();
        }

        @Override
        protected void start(SqliteRegistry c) {
            c.start();
        }

        @Override
        protected CompletableFuture<ShutdownResult> shutdown(SqliteRegistry c) {
            return c.shutdown();
        }

        @Override
        protected boolean provokeUserError(SqliteRegistry running, Error error) throws Exception {
            CountDownLatch met = new CountDownLatch(1);
            String key = "svc/w" + n.incrementAndGet();
            try (AutoCloseable w = running.watch(key, change -> {
                met.countDown();
                throw error;
            })) {
                running.register(key, Json.parse("1"), Optional.empty());
                assertThat(met.await(10, TimeUnit.SECONDS)).isTrue();
            }
            return true;
        }

        @Override
        protected void assertWorks(SqliteRegistry running) {
            String key = "svc/k" + n.incrementAndGet();
            running.register(key, Json.parse("1"), Optional.empty());
            assertThat(running.get(key)).isPresent();
            // a watch that hears the write proves the watch threads work too
            CountDownLatch heard = new CountDownLatch(1);
            try (AutoCloseable w = running.watch(key, change -> heard.countDown())) {
                running.update(key, Json.parse("{\"x\":1}"));
                assertThat(heard.await(10, TimeUnit.SECONDS)).isTrue();
            } catch (Exception e) {
                throw new AssertionError(e);
            }
        }
    }

    @Nested
    class DiscoveryResponderLifecycle extends LifecycleContract<DiscoveryResponder> {
        private final Booby booby = new Booby();

        @Override
        protected DiscoveryResponder create(ThreadFactory threads) {
            return DiscoveryResponder.builder(booby.registry, new InetSocketAddress(InetAddress.getLoopbackAddress(), 0)).signingKey(BROKER_PRIVATE)
                    .discoverable("svc").threadFactory(threads).build();
        }

        @Override
        protected void start(DiscoveryResponder c) {
            c.start();
        }

        @Override
        protected CompletableFuture<ShutdownResult> shutdown(DiscoveryResponder c) {
            return c.shutdown();
        }

        @Override
        protected boolean provokeUserError(DiscoveryResponder running, Error error) throws Exception {
            booby.met = new CountDownLatch(1);
            booby.next.set(error);
            assertThat(DiscoveryClient.find(running.address(), "svc/boom", BROKER_KEY, Duration.ofMillis(300))).isEmpty();
            assertThat(booby.met.await(10, TimeUnit.SECONDS)).isTrue();
            booby.next.set(null);
            return true;
        }

        @Override
        protected void assertWorks(DiscoveryResponder running) throws Exception {
            assertThat(DiscoveryClient.ping(running.address(), Json.parse("7"), BROKER_KEY, Duration.ofSeconds(5))).contains(Json.parse("7"));
        }
    }

    @Nested
    class RegistryServiceLifecycle extends LifecycleContract<RegistryService> {
        private final InMemoryTransport transport = InMemoryTransport.create();
        private final Booby booby = new Booby();

        @Override
        protected RegistryService create(ThreadFactory threads) {
            return RegistryService.builder(booby.registry).namespace("svc", NamespaceAccess.open()).transport(transport)
                    .requests("kv").threadFactory(threads).build();
        }

        @Override
        protected void start(RegistryService c) {
            c.start();
        }

        @Override
        protected CompletableFuture<ShutdownResult> shutdown(RegistryService c) {
            return c.shutdown();
        }

        @Override
        protected boolean provokeUserError(RegistryService running, Error error) throws Exception {
            booby.met = new CountDownLatch(1);
            booby.next.set(error);
            try (Client client = Client.builder(transport).requests("kv").pollWait(Duration.ofMillis(100)).build().start();
                    RemoteRegistry kv = RemoteRegistry.builder(client).timeout(Duration.ofSeconds(1)).build()) {
                try {
                    kv.get("svc/boom");
                } catch (RuntimeException expected) {
                    // the broker answers an error (or nothing): what matters is that it goes on
                }
                assertThat(booby.met.await(10, TimeUnit.SECONDS)).isTrue();
            } finally {
                booby.next.set(null);
            }
            return true;
        }

        @Override
        protected void assertWorks(RegistryService running) {
            try (Client client = Client.builder(transport).requests("kv").pollWait(Duration.ofMillis(100)).build().start();
                    RemoteRegistry kv = RemoteRegistry.builder(client).build()) {
                assertThat(kv.ping(Json.parse("8"))).isEqualTo(Json.parse("8"));
            }
        }
    }
}
