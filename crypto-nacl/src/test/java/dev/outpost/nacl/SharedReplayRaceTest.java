package dev.outpost.nacl;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.outpost.Request;
import dev.outpost.core.registry.InMemoryRegistry;
import dev.outpost.spi.CodecException;
import dev.outpost.spi.ForwardingRegistry;
import dev.outpost.spi.Received;
import dev.outpost.spi.Registry;
import dev.outpost.spi.RegistryEntry;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * A copy of a transport message delivered twice at once (a queue delivers at least once; a
 * visibility timeout can expire while the shared replay state answers slowly): the second copy
 * must not open on the strength of the first one's sighting before the shared state has judged it.
 */
class SharedReplayRaceTest {
    static final NaclKeyPair WORKER = NaclKeyPair.generate();
    static final NaclKeyPair ALICE = NaclKeyPair.generate();

    final TestClock clock = new TestClock(Instant.parse("2026-06-01T12:00:00Z"));
    final InMemoryRegistry registry = InMemoryRegistry.create(clock);

    SealedCodec worker(Registry shared) {
        return SealedCodec.builder().identity(WORKER).clock(clock).sharedReplayState(shared)
                .knownSenders(KnownSenders.of(KnownSender.of(ALICE.publicKey(), "alice"))).build();
    }

    @Test
    void aRedeliveryWhileTheFirstCopyIsStillWithTheSharedStateDoesNotOpenAReplay() throws Exception {
        byte[] m = SealedCodec.builder().identity(ALICE).recipient(WORKER.publicKey()).clock(clock).build()
                .encodeRequest(Request.builder("outpost.ping").build());
        // another worker opened it; an attacker puts a copy on the queue, which is delivered here twice
        assertThat(worker(registry).decodeRequest(m, new Received("sqs-1", 1)).sender()).isPresent();
        Slow slow = new Slow(registry);
        SealedCodec here = worker(slow);
        AtomicReference<Throwable> first = new AtomicReference<>();
        Thread a = new Thread(() -> {
            try {
                here.decodeRequest(m, new Received("sqs-2", 1));
            } catch (Throwable t) {
                first.set(t);
            }
        });
        a.start();
        assertThat(slow.entered.await(10, TimeUnit.SECONDS)).isTrue();
        try {
            assertThatThrownBy(() -> here.decodeRequest(m, new Received("sqs-2", 2)))
                    .isInstanceOfSatisfying(CodecException.class, e -> assertThat(e.reason()).isEqualTo(SealRejects.REPLAY));
        } finally {
            slow.release.countDown();
            a.join(10_000);
        }
        assertThat(first.get()).isInstanceOfSatisfying(CodecException.class,
                e -> assertThat(e.reason()).isEqualTo(SealRejects.REPLAY));
        // and once the shared state has passed a message, its redelivery opens as before
        byte[] n = SealedCodec.builder().identity(ALICE).recipient(WORKER.publicKey()).clock(clock).build()
                .encodeRequest(Request.builder("outpost.ping").build());
        SealedCodec plain = worker(registry);
        assertThat(plain.decodeRequest(n, new Received("sqs-3", 1)).sender()).isPresent();
        assertThat(plain.decodeRequest(n, new Received("sqs-3", 2)).sender()).isPresent();
    }

    /** The real registry, whose first register() waits until released. */
    static final class Slow extends ForwardingRegistry {
        final CountDownLatch entered = new CountDownLatch(1);
        final CountDownLatch release = new CountDownLatch(1);

        Slow(Registry delegate) {
            super(delegate);
        }

        @Override
        public RegistryEntry register(String key, JsonNode value, Optional<Duration> ttl) {
            entered.countDown();
            try {
                release.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return delegate().register(key, value, ttl);
        }

        @Override
        public void close() {}
    }
}
