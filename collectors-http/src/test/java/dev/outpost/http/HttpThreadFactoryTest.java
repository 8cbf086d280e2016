package dev.outpost.http;

import static org.assertj.core.api.Assertions.assertThat;

import dev.outpost.Request;
import java.net.InetAddress;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ThreadFactory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Every thread the HTTP collectors start comes from the user's factory when one is given. */
class HttpThreadFactoryTest {
    private final List<Thread> made = new CopyOnWriteArrayList<>();
    // threads of other tests' collectors, in the same JVM, are not this test's business
    private final java.util.Set<Thread> before = Thread.getAllStackTraces().keySet();
    private final ThreadFactory counting = r -> {
        Thread t = new Thread(r, "user-" + made.size());
        t.setDaemon(true);
        made.add(t);
        return t;
    };
    private TestServer server;
    private HttpOptions options;

    @BeforeEach
    void start() throws Exception {
        server = TestServer.http()
                .handle("/page", ex -> TestServer.send(ex, 200, "text/html", "<title>t</title><p>x".getBytes()))
                .start();
        // a name, not an address: the lookup runs on the resolve pool
        options = HttpOptions.builder().resolver(host -> List.of(InetAddress.getLoopbackAddress()))
                .threadFactory(counting).build();
    }

    @AfterEach
    void stop() throws InterruptedException {
        server.close();
    }

    private Request get(String name) {
        return Request.builder(name).param("url", "http://loopback.test:" + server.port() + "/page").build();
    }

    @Test
    void httpRequestFetchesOnThreadsOfTheFactory() {
        try (HttpRequestCollector c = HttpRequestCollector.create(options)) {
            assertThat(c.collect(get(HttpRequestCollector.NAME), TestContext.loopback()).status()).isEqualTo(200);
            assertThat(made).hasSize(2); // the deadline watchdog and one lookup
            assertNoOutpostHttpThreadOutsideTheFactory();
        }
    }

    @Test
    void htmlFetchesOnThreadsOfTheFactory() {
        try (HtmlCollector c = HtmlCollector.create(options)) {
            assertThat(c.collect(get(HtmlCollector.NAME), TestContext.loopback()).title()).contains("t");
            assertThat(made).hasSize(2);
            assertNoOutpostHttpThreadOutsideTheFactory();
        }
    }

    private void assertNoOutpostHttpThreadOutsideTheFactory() {
        assertThat(Thread.getAllStackTraces().keySet().stream().filter(t -> !made.contains(t) && !before.contains(t))
                .map(Thread::getName).filter(n -> n.startsWith("outpost-http-")).toList()).isEmpty();
    }
}
