package dev.outpost.http;

import static org.assertj.core.api.Assertions.assertThat;

import dev.outpost.Request;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Timeouts the options accept make a working collector: a connect or read timeout over
 * {@code Integer.MAX_VALUE} ms (24.8 days) passed every check of {@link HttpOptions.Builder} and
 * then failed creating the collector, where OkHttp refuses it ("Timeout too large"), while the same
 * value from settings worked.
 */
class LongTimeoutsTest {
    @Test
    void aTimeoutLongerThanAnIntOfMillisecondsStillFetches() throws Exception {
        Duration month = Duration.ofDays(30);
        HttpOptions options = HttpOptions.builder().connectTimeout(month).readTimeout(month).timeout(month).build();
        try (TestServer server = TestServer.http().handle("/ok", ex -> TestServer.text(ex, 200, "fine")).start();
                HttpRequestCollector collector = HttpRequestCollector.create(options);
                HtmlCollector html = HtmlCollector.create(options)) {
            HttpResult r = collector.collect(Request.builder(HttpRequestCollector.NAME).params(Map.of("url", server.url("/ok"))).build(),
                    TestContext.loopback());
            assertThat(r.status()).isEqualTo(200);
            assertThat(r.body()).contains("fine");
            assertThat(html.collect(Request.builder(HtmlCollector.NAME).params(Map.of("url", server.url("/ok"))).build(),
                    TestContext.loopback()).text()).isEqualTo("fine");
        }
    }
}
