package dev.outpost.nacl;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.outpost.Request;
import dev.outpost.spi.CodecException;
import dev.outpost.spi.Received;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/**
 * A worker's threads read the clock before they wait for the replay cache, so the cache may be
 * asked about a message at a time earlier than one it has already dropped messages at (and a
 * wall clock may step back). A message dropped as expired must not open again then.
 */
class ReplayCacheClockTest {
    static final NaclKeyPair WORKER = NaclKeyPair.generate();
    static final NaclKeyPair ALICE = NaclKeyPair.generate();

    final TestClock clock = new TestClock(Instant.parse("2026-06-01T12:00:00Z"));

    @Test
    void aCopyCheckedAtAnEarlierTimeThanTheOriginalWasDroppedAtDoesNotOpen() {
        SealedCodec worker = SealedCodec.builder().identity(WORKER).clock(clock)
                .knownSenders(KnownSenders.of(KnownSender.of(ALICE.publicKey(), "alice"))).build();
        SealedCodec alice = SealedCodec.builder().identity(ALICE).recipient(WORKER.publicKey()).clock(clock).build();
        byte[] captured = alice.encodeRequest(Request.builder("outpost.ping").build());
        assertThat(worker.decodeRequest(captured, new Received("t1", 1)).sender()).isPresent();

        // One thread drops the original, its window closed (a status page, or any message in its table)...
        clock.advance(SealedCodec.DEFAULT_FRESHNESS.plusMillis(1));
        assertThat(worker.sealedStatus().replayCache().size()).isZero();
        // ...while another read the clock a millisecond earlier, when the copy was still fresh.
        clock.advance(Duration.ofMillis(-1));
        assertThatThrownBy(() -> worker.decodeRequest(captured, new Received("t2", 1)))
                .isInstanceOfSatisfying(CodecException.class, e -> assertThat(e.reason()).isEqualTo(SealRejects.STALE));
    }
}
