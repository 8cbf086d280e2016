package dev.outpost.host.records;

import static org.assertj.core.api.Assertions.assertThat;

import dev.outpost.ShutdownResult;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLServerSocketFactory;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The server's own threads under absurd settings and at the edge of its shutdown. */
class RecordHttpServerEdgeTest {
    private static final String TOKEN = "s3cr3t-token-for-tests-0123456789";
    @TempDir
    Path tmp;
    private RecordStore store;

    @AfterEach
    void stop() {
        if (store != null) {
            store.close();
        }
    }

    @Test
    void aHeaderTimeoutTooLongForMillisecondsDoesNotKillTheReaper() throws Exception {
        store = RecordStore.builder(tmp.resolve("records")).build().start();
        List<Throwable> died = new CopyOnWriteArrayList<>();
        RecordHttpServer server = RecordHttpServer.builder(store, TOKEN).port(0)
                .headerTimeout(Duration.ofDays(365L * 300_000_000)) // past Long.MAX_VALUE milliseconds
                .threadFactory(r -> new Thread(() -> {
                    try {
                        r.run();
                    } catch (Throwable t) {
                        died.add(t);
                    }
                })).build().start();
        // the shutdown waits for every thread: a reaper that died at its start has left its throwable by then
        ShutdownResult r = server.shutdown().get();
        assertThat(r.clean()).isTrue();
        assertThat(died).isEmpty();
    }

    /** An accepted connection that tells {@code seen} when it is served (its input taken) and when it is closed. */
    private static final class SeenSocket extends Socket {
        private final java.util.function.BiConsumer<SeenSocket, String> seen;

        SeenSocket(java.util.function.BiConsumer<SeenSocket, String> seen) throws IOException {
            super((java.net.SocketImpl) null);
            this.seen = seen;
        }

        @Override
        public InputStream getInputStream() throws IOException {
            seen.accept(this, "served");
            return super.getInputStream();
        }

        @Override
        public void close() throws IOException {
            seen.accept(this, "closed");
            super.close();
        }
    }

    /** A TLS context whose server socket is a plain one accepting {@link SeenSocket}s: a way in for the test. */
    private static SSLContext seenSockets(List<SeenSocket> accepted, java.util.function.BiConsumer<SeenSocket, String> seen) {
        SSLServerSocketFactory factory = new SSLServerSocketFactory() {
            @Override
            public ServerSocket createServerSocket() throws IOException {
                return new ServerSocket() {
                    @Override
                    public Socket accept() throws IOException {
                        SeenSocket s = new SeenSocket(seen);
                        implAccept(s);
                        accepted.add(s);
                        return s;
                    }
                };
            }

            @Override
            public ServerSocket createServerSocket(int port) {
                throw new UnsupportedOperationException();
            }

            @Override
            public ServerSocket createServerSocket(int port, int backlog) {
                throw new UnsupportedOperationException();
            }

            @Override
            public ServerSocket createServerSocket(int port, int backlog, InetAddress address) {
                throw new UnsupportedOperationException();
            }

            @Override
            public String[] getDefaultCipherSuites() {
                return new String[0];
            }

            @Override
            public String[] getSupportedCipherSuites() {
                return new String[0];
            }
        };
        return TlsStub.serving(() -> factory);
    }

    private static void await(CountDownLatch latch) {
        try {
            assertThat(latch.await(30, TimeUnit.SECONDS)).as("latch").isTrue();
        } catch (InterruptedException e) {
            throw new IllegalStateException(e);
        }
    }

    @Test
    void aConnectionAcceptedAsTheShutdownBeginsIsClosedUnserved() throws Exception {
        store = RecordStore.builder(tmp.resolve("records")).build().start();
        List<SeenSocket> accepted = new CopyOnWriteArrayList<>();
        List<String> second = new CopyOnWriteArrayList<>();
        CountDownLatch firstServed = new CountDownLatch(1);
        CountDownLatch stopperClosingFirst = new CountDownLatch(1);
        CountDownLatch secondSettled = new CountDownLatch(1);
        java.util.concurrent.atomic.AtomicBoolean firstClosed = new java.util.concurrent.atomic.AtomicBoolean();
        java.util.function.BiConsumer<SeenSocket, String> seen = (s, what) -> {
            if (accepted.indexOf(s) == 0) {
                if (what.equals("served")) {
                    firstServed.countDown();
                } else if (firstClosed.compareAndSet(false, true)) {
                    // the shutdown's stop closes every connection it knows: held here until the second is served or closed
                    stopperClosingFirst.countDown();
                    await(secondSettled);
                }
            } else {
                second.add(what);
                secondSettled.countDown();
            }
        };
        RecordHttpServer server = RecordHttpServer.builder(store, TOKEN).port(0).tls(seenSockets(accepted, seen))
                .headerTimeout(Duration.ofMinutes(10)).build().start();
        try (Socket a = new Socket(); Socket b = new Socket()) {
            a.connect(new InetSocketAddress("127.0.0.1", server.port()), 5000);
            await(firstServed);
            // the second connection is accepted, not known yet: the shutdown begins right then, and passes the known ones
            server.beforeCounting = () -> {
                server.shutdown();
                await(stopperClosingFirst);
            };
            b.connect(new InetSocketAddress("127.0.0.1", server.port()), 5000);
            await(secondSettled);
            assertThat(second).as("closed, never served").first().isEqualTo("closed");
        }
        assertThat(server.shutdown()).succeedsWithin(Duration.ofSeconds(30));
    }
}
