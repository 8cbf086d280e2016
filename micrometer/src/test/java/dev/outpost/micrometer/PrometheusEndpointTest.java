package dev.outpost.micrometer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.outpost.ConfigException;
import dev.outpost.ShutdownResult;
import dev.outpost.core.config.OutpostConfig;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/** The /metrics endpoint over real sockets on 127.0.0.1: what a scraper sees, and what a hostile client cannot do. */
class PrometheusEndpointTest {
    private final PrometheusMeterRegistry meters = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);

    private static HttpResponse<String> get(PrometheusEndpoint e, String path) throws Exception {
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + e.address().getPort() + path))
                .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void aScraperGetsTheMetricsInPrometheusTextFormatOnLoopback() throws Exception {
        meters.counter("outpost.worker.received").increment(3);
        try (PrometheusEndpoint e = PrometheusEndpoint.builder(meters).port(0).build().start()) {
            assertThat(e.address().getAddress().isLoopbackAddress()).as("bound to 127.0.0.1 by default").isTrue();
            HttpResponse<String> r = get(e, "/metrics");
            assertThat(r.statusCode()).isEqualTo(200);
            assertThat(r.headers().firstValue("content-type")).contains("text/plain; version=0.0.4; charset=utf-8");
            assertThat(r.body()).contains("# TYPE outpost_worker_received_total counter").contains("outpost_worker_received_total 3.0");
            assertThat(get(e, "/metrics?x=1").statusCode()).isEqualTo(200);
            assertThat(get(e, "/").statusCode()).isEqualTo(404);
            HttpResponse<String> post = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                    URI.create("http://127.0.0.1:" + e.address().getPort() + "/metrics")).POST(HttpRequest.BodyPublishers.ofString("x"))
                    .build(), HttpResponse.BodyHandlers.ofString());
            assertThat(post.statusCode()).isEqualTo(405);
        }
    }

    @Test
    void aScraperThatReconnectsTheMomentAResponseEndsIsServedAtTheCap() throws Exception {
        // the slot was given back after the close, so a client that read a response to its end (the close) and came
        // straight back could still find it taken, at a cap of one, and be closed at once with no response
        try (PrometheusEndpoint e = PrometheusEndpoint.builder(meters).port(0).maxConnections(1).maxConnectionsPerClient(1)
                .build().start()) {
            for (int i = 0; i < 200; i++) {
                try (Socket s = new Socket("127.0.0.1", e.address().getPort())) {
                    s.setSoTimeout(10_000);
                    s.getOutputStream().write("GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                    String answer = new String(s.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
                    assertThat(answer).as("scrape " + i).startsWith("HTTP/1.1 200 ");
                }
            }
        }
    }

    @Test
    void aHeadOverEightKibIsRefusedAndNothingOfTheRequestIsEchoed() throws Exception {
        try (PrometheusEndpoint e = PrometheusEndpoint.builder(meters).port(0).build().start();
                Socket s = new Socket("127.0.0.1", e.address().getPort())) {
            OutputStream out = s.getOutputStream();
            out.write(("GET /metrics HTTP/1.1\r\nX-Evil: " + "<script>".repeat(2000) + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            out.flush();
            String answer = new String(s.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
            assertThat(answer).startsWith("HTTP/1.1 431 ").doesNotContain("<script>");
        }
    }

    @Test
    void connectionsPastTheCapsAreClosedAtOnceAndTheEndpointStillAnswers() throws Exception {
        try (PrometheusEndpoint e = PrometheusEndpoint.builder(meters).port(0).maxConnections(3).maxConnectionsPerClient(2)
                .requestTimeout(Duration.ofSeconds(30)).build().start()) {
            List<Socket> idle = new ArrayList<>();
            try {
                idle.add(new Socket("127.0.0.1", e.address().getPort()));
                idle.add(new Socket("127.0.0.1", e.address().getPort()));
                try (Socket third = new Socket("127.0.0.1", e.address().getPort())) {
                    third.setSoTimeout(10_000);
                    assertThat(third.getInputStream().read()).as("a third connection from one client is closed").isEqualTo(-1);
                }
                assertThat(e.refusedConnections()).isEqualTo(1);
            } finally {
                for (Socket s : idle) {
                    s.close();
                }
            }
            await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(get(e, "/metrics").statusCode()).isEqualTo(200));
        }
    }

    @Test
    void aClientThatDripsItsRequestIsClosedAtTheRequestTimeout() throws Exception {
        try (PrometheusEndpoint e = PrometheusEndpoint.builder(meters).port(0).requestTimeout(Duration.ofMillis(400)).build().start();
                Socket s = new Socket("127.0.0.1", e.address().getPort())) {
            OutputStream out = s.getOutputStream();
            InputStream in = s.getInputStream();
            s.setSoTimeout(100);
            long t0 = System.nanoTime();
            boolean closed = false;
            // one byte every 100 ms: each read returns in time, the whole request never does
            for (int i = 0; i < 100 && !closed; i++) {
                try {
                    out.write('G');
                    out.flush();
                    closed = in.read() == -1;
                } catch (java.net.SocketTimeoutException stillOpen) {
                    // the server is still waiting: drip on
                } catch (java.io.IOException reset) {
                    closed = true;
                }
            }
            assertThat(closed).isTrue();
            assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(8));
            await().atMost(Duration.ofSeconds(5)).until(() -> e.timedOutConnections() == 1);
        }
    }

    @Test
    void aRequestTimeoutBeyondWhatASocketTimeoutHoldsStillServesScrapes() throws Exception {
        meters.counter("outpost.worker.received").increment();
        // 30 days is more milliseconds than an int holds (a socket's read timeout), and 10^6 days more nanoseconds than a long
        for (Duration huge : List.of(Duration.ofDays(30), Duration.ofDays(1_000_000))) {
            OutpostConfig c = OutpostConfig.builder().set("outpost.metrics.prometheus.port", "0")
                    .set("outpost.metrics.prometheus.request-timeout", huge.toDays() + "d").build();
            try (PrometheusEndpoint e = PrometheusEndpoint.builder(meters).configure(c).build().start()) {
                HttpResponse<String> r = get(e, "/metrics");
                assertThat(r.statusCode()).as("request-timeout %s", huge).isEqualTo(200);
                assertThat(r.body()).contains("outpost_worker_received_total 1.0");
            }
        }
    }

    @Test
    void configurationNamesEveryBadKeyAndTheDefaultsBindLoopback() throws Exception {
        OutpostConfig ok = OutpostConfig.builder().set("outpost.metrics.prometheus.port", "0").build();
        assertThat(PrometheusEndpoint.Builder.isConfigured(ok)).isTrue();
        assertThat(PrometheusEndpoint.Builder.isConfigured(OutpostConfig.defaults())).isFalse();
        try (PrometheusEndpoint e = PrometheusEndpoint.builder(meters).configure(ok).build().start()) {
            assertThat(e.address().getAddress().getHostAddress()).isEqualTo("127.0.0.1");
            assertThat(get(e, "/metrics").statusCode()).isEqualTo(200);
        }
        OutpostConfig bad = OutpostConfig.builder().set("outpost.metrics.prometheus.port", "99999")
                .set("outpost.metrics.prometheus.max-connections", "lots")
                .set("outpost.metrics.prometheus.request-timeout", "0s").build();
        assertThatThrownBy(() -> PrometheusEndpoint.builder(meters).configure(bad).build())
                .isInstanceOfSatisfying(ConfigException.class, ce -> assertThat(ce.problems()).extracting(ConfigException.Problem::key)
                        .containsExactlyInAnyOrder("outpost.metrics.prometheus.port", "outpost.metrics.prometheus.max-connections",
                                "outpost.metrics.prometheus.request-timeout"));
    }

    @Test
    void aConnectionWithinTheCapIsServedWhileTheLastOnesThreadIsStillFinishing() throws Exception {
        CountDownLatch released = new CountDownLatch(1);
        CountDownLatch proceed = new CountDownLatch(1);
        AtomicBoolean first = new AtomicBoolean(true);
        // the first connection's thread is held after it gave its slot back, before it is idle in the pool again
        Runnable hold = () -> {
            if (first.compareAndSet(true, false)) {
                released.countDown();
                try {
                    proceed.await(30, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        };
        try (PrometheusEndpoint e = PrometheusEndpoint.builder(meters).port(0).maxConnections(1).afterRelease(hold).build().start()) {
            try {
                assertThat(get(e, "/metrics").statusCode()).isEqualTo(200);
                assertThat(released.await(10, TimeUnit.SECONDS)).isTrue();

                // before: the pool's maximum was the cap, so its one thread, still finishing, refused the next scrape
                assertThat(get(e, "/metrics").statusCode()).isEqualTo(200);
                assertThat(e.refusedConnections()).isZero();
            } finally {
                proceed.countDown();
            }
        }
    }

    @Test
    void aShutdownWhileStartingFailsTheStartAndLeavesNothingOpen() throws Exception {
        int port;
        try (ServerSocket probe = new ServerSocket(0, 1, java.net.InetAddress.getByName("127.0.0.1"))) {
            port = probe.getLocalPort();
        }
        AtomicReference<PrometheusEndpoint> endpoint = new AtomicReference<>();
        AtomicReference<CompletableFuture<ShutdownResult>> stopped = new AtomicReference<>();
        AtomicReference<Throwable> shutdownThrew = new AtomicReference<>();
        List<Thread> made = new ArrayList<>();
        PrometheusEndpoint e = PrometheusEndpoint.builder(meters).port(port)
                .threadFactory(r -> {
                    Thread t = new Thread(r);
                    synchronized (made) {
                        made.add(t);
                    }
                    return t;
                })
                .whileStarting(() -> {
                    try {
                        stopped.set(endpoint.get().shutdown());
                    } catch (Throwable t) {
                        shutdownThrew.set(t);
                    }
                }).build();
        endpoint.set(e);
        assertThatThrownBy(e::start).isInstanceOf(IllegalStateException.class).hasMessageContaining("shut down while starting");
        assertThat(shutdownThrew.get()).as("shutdown() during start()").isNull();
        assertThat(stopped.get().get(10, TimeUnit.SECONDS).clean()).isTrue();
        assertThat(e.shutdown()).isSameAs(stopped.get());
        synchronized (made) {
            for (Thread t : made) {
                t.join(TimeUnit.SECONDS.toMillis(10));
                assertThat(t.isAlive()).as(t.getName()).isFalse();
            }
        }
        try (ServerSocket again = new ServerSocket()) { // the port was given back
            again.bind(new InetSocketAddress("127.0.0.1", port));
        }
    }

    @Test
    void aStartThatFailsHalfWayLeavesNothingOpenAndShutdownStillCompletes() throws Exception {
        int port;
        try (ServerSocket probe = new ServerSocket(0, 1, java.net.InetAddress.getByName("127.0.0.1"))) {
            port = probe.getLocalPort();
        }
        List<Thread> made = new ArrayList<>();
        PrometheusEndpoint e = PrometheusEndpoint.builder(meters).port(port)
                .threadFactory(r -> {
                    synchronized (made) {
                        if (made.size() == 1) { // the acceptor is made; the reaper cannot be (out of threads)
                            throw new IllegalStateException("no more threads (test)");
                        }
                        Thread t = new Thread(r);
                        made.add(t);
                        return t;
                    }
                }).build();
        assertThatThrownBy(e::start).hasMessageContaining("no more threads (test)");
        synchronized (made) {
            for (Thread t : made) {
                t.join(TimeUnit.SECONDS.toMillis(10));
                assertThat(t.isAlive()).as(t.getName()).isFalse();
            }
        }
        try (ServerSocket again = new ServerSocket()) { // the port was given back
            again.bind(new InetSocketAddress("127.0.0.1", port));
        }
        assertThat(e.shutdown().get(10, TimeUnit.SECONDS)).isNotNull();
        assertThatThrownBy(e::start).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void aConnectionWhoseThreadCouldNotBeMadeGivesItsSlotBack() throws Exception {
        java.util.concurrent.atomic.AtomicInteger made = new java.util.concurrent.atomic.AtomicInteger();
        try (PrometheusEndpoint e = PrometheusEndpoint.builder(meters).port(0).maxConnections(1)
                .threadFactory(r -> {
                    if (made.incrementAndGet() == 3) { // the acceptor and the reaper are made; the first connection's thread is not
                        throw new OutOfMemoryError("unable to create native thread (test)");
                    }
                    return new Thread(r);
                }).build().start()) {
            try (Socket first = new Socket("127.0.0.1", e.address().getPort())) {
                assertThat(first.getInputStream().read()).as("closed, unserved").isEqualTo(-1);
            }
            assertThat(get(e, "/metrics").statusCode()).as("the only slot is free again").isEqualTo(200);
            assertThat(e.refusedConnections()).isZero();
        }
    }

    @Test
    void aCapAsHighAsAnIntHoldsStillStarts() throws Exception {
        // before: the pool's room, twice the cap, overflowed to a negative size and start() threw IllegalArgumentException
        try (PrometheusEndpoint e = PrometheusEndpoint.builder(meters).port(0).maxConnections(Integer.MAX_VALUE).build().start()) {
            assertThat(get(e, "/metrics").statusCode()).isEqualTo(200);
        }
    }
}
