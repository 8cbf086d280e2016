package dev.outpost.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import dev.outpost.CollectorException;
import dev.outpost.Request;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.Test;

/**
 * A name whose DNS never answers (an attacker's name server that keeps quiet) must not hold a fetch
 * past its timeout: the resolver is not interruptible, so the fetch stops waiting for it.
 */
class SlowDnsTest {
    @Test
    void aResolverThatNeverAnswersEndsAsATimeoutWithinTheFetchTimeout() {
        CountDownLatch answer = new CountDownLatch(1);
        CountDownLatch asked = new CountDownLatch(1);
        Resolver silent = host -> {
            asked.countDown();
            try {
                answer.await(); // answers only when the test ends
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            throw new java.net.UnknownHostException(host);
        };
        try (HttpRequestCollector collector = HttpRequestCollector.create(HttpOptions.builder().resolver(silent).build())) {
            // The fetch's own timeout is 100 ms; the bound below only keeps a broken build from hanging.
            assertTimeoutPreemptively(Duration.ofSeconds(20), () -> {
                // on a loaded machine the lookup may not have started on the resolve pool when the 100 ms ran out (it is
                // then cancelled unasked): fetch again until a fetch timed out with the resolver itself holding it
                do {
                    assertThatThrownBy(() -> collector.collect(Request.builder(HttpRequestCollector.NAME)
                            .params(Map.of("url", "http://quiet.test/", "timeoutMs", 100)).build(), TestContext.of(Map.of())))
                            .isInstanceOfSatisfying(CollectorException.class, e -> {
                                assertThat(e.code()).isEqualTo("timeout");
                                assertThat(e.isRetryable()).isTrue();
                            });
                } while (asked.getCount() > 0);
            });
            assertThat(asked.getCount()).isZero();
        } finally {
            answer.countDown();
        }
    }
}
