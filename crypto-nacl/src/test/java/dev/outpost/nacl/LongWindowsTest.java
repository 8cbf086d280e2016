package dev.outpost.nacl;

import static org.assertj.core.api.Assertions.assertThat;

import dev.outpost.Request;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** A freshness window or clock skew the builder takes must not overflow when messages are checked. */
class LongWindowsTest {
    static final NaclKeyPair ALICE = NaclKeyPair.generate();
    static final NaclKeyPair WORKER = NaclKeyPair.generate();
    static final Clock CLOCK = Clock.fixed(Instant.parse("2026-12-06T19:00:00Z"), ZoneOffset.UTC);

    private static SealedCodec worker(Duration freshness, Duration skew) {
        return SealedCodec.builder().identity(WORKER).clock(CLOCK).freshness(freshness).clockSkew(skew)
                .knownSenders(KnownSenders.of(new KnownSender(ALICE.publicKey(), "alice", Optional.of(Set.of("outpost.ping")))))
                .build();
    }

    @Test
    void windowsPastALongOfMillisecondsBuildAndOpen() {
        // built with 'long overflow' (ArithmeticException) out of build()
        SealedCodec w = worker(Duration.ofSeconds(Long.MAX_VALUE), Duration.ofSeconds(Long.MAX_VALUE));
        byte[] sealed = SealedCodec.builder().identity(ALICE).clock(CLOCK).recipients(List.of(WORKER.publicKey())).build()
                .encodeRequest(Request.builder("outpost.ping").build());
        assertThat(w.decodeRequest(sealed).document().collector()).isEqualTo("outpost.ping");
    }

    @Test
    void aWindowThatEndsPastTheLastMillisecondStillOpensAndCatchesReplays() {
        // sentAt + freshness overflowed: the message was remembered as expired long ago and refused as stale
        SealedCodec w = worker(Duration.ofMillis(Long.MAX_VALUE - 1), Duration.ofMinutes(1));
        byte[] sealed = SealedCodec.builder().identity(ALICE).clock(CLOCK).recipients(List.of(WORKER.publicKey())).build()
                .encodeRequest(Request.builder("outpost.ping").build());
        assertThat(w.decodeRequest(sealed).document().collector()).isEqualTo("outpost.ping");
        SealedCodecTest.refused(w, sealed, SealRejects.REPLAY);
    }
}
