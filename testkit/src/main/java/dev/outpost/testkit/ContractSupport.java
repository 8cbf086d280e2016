package dev.outpost.testkit;

import dev.outpost.spi.Delivery;
import dev.outpost.spi.Message;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/** What {@link TransportContract}'s tests share: bounded waits, text bodies, timings. */
final class ContractSupport {
    /** The longest wait for a transport operation. */
    static final Duration PATIENCE = Duration.ofSeconds(20);

    private ContractSupport() {}

    static void join(CompletableFuture<?> f) {
        try {
            f.get(PATIENCE.toSeconds(), TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new AssertionError("transport operation failed", e);
        }
    }

    static Message text(String body) {
        return Message.of(body.getBytes(StandardCharsets.UTF_8));
    }

    static String text(Delivery d) {
        return new String(d.message().body(), StandardCharsets.UTF_8);
    }

    static void sleep(Duration d) {
        try {
            Thread.sleep(d.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", e);
        }
    }

    /** {@code d} rounded up to whole seconds (what SQS timeouts take). */
    static Duration wholeSeconds(Duration d) {
        long s = d.toSeconds();
        return Duration.ofSeconds(d.equals(Duration.ofSeconds(s)) ? s : s + 1);
    }
}
