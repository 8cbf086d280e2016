package dev.outpost.nacl;

import dev.outpost.Request;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;

/**
 * Fixed keys, a fixed time and two genuine sealed messages for {@link SealedCodecFuzzTest}: fixed
 * so that the committed corpus stays meaningful. Test keys only, derived from public strings.
 *
 * <p>{@code main} writes the genuine messages to {@code src/test/resources/dev/outpost/nacl/fuzz/}
 * (run it again only if the wire format changes, then refresh the corpus).
 */
final class FuzzKeys {
    static final Instant SEALED_AT = Instant.parse("2026-01-01T00:00:00Z");
    static final Clock CLOCK = Clock.fixed(SEALED_AT, ZoneOffset.UTC);
    static final NaclKeyPair SENDER = key("sender");
    static final NaclKeyPair WORKER = key("worker");
    static final NaclKeyPair OTHER_WORKER_1 = key("other-worker-1");
    static final NaclKeyPair OTHER_WORKER_2 = key("other-worker-2");

    /** The genuine messages, read on first use (main writes them). */
    static final class Genuine {
        /** A request sealed by SENDER for WORKER alone. */
        static final byte[] DIRECT = resource("direct.sealed");
        /** A request sealed by SENDER for OTHER_WORKER_1, WORKER and OTHER_WORKER_2 (WORKER's entry is the second). */
        static final byte[] GROUP = resource("group.sealed");

        private Genuine() {}
    }

    private FuzzKeys() {}

    static NaclKeyPair key(String name) {
        try {
            return NaclKeyPair.fromSecret(MessageDigest.getInstance("SHA-256")
                    .digest(("outpost fuzz test key " + name).getBytes(StandardCharsets.UTF_8)));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    static SealedCodec worker() {
        return SealedCodec.builder().identity(WORKER).clock(CLOCK)
                .knownSenders(KnownSenders.of(KnownSender.of(SENDER.publicKey(), "sender"))).build();
    }

    private static byte[] resource(String name) {
        try (InputStream in = FuzzKeys.class.getResourceAsStream("fuzz/" + name)) {
            if (in == null) {
                throw new IllegalStateException("missing test resource dev/outpost/nacl/fuzz/" + name);
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static void main(String[] args) throws IOException {
        Path dir = Path.of(args.length > 0 ? args[0] : "src/test/resources/dev/outpost/nacl/fuzz");
        Files.createDirectories(dir);
        Request r = Request.builder("outpost.ping").param("hello", "world").build();
        SealedCodec direct = SealedCodec.builder().identity(SENDER).recipient(WORKER.publicKey()).clock(CLOCK).build();
        SealedCodec group = SealedCodec.builder().identity(SENDER).clock(CLOCK)
                .recipients(List.of(OTHER_WORKER_1.publicKey(), WORKER.publicKey(), OTHER_WORKER_2.publicKey())).build();
        Files.write(dir.resolve("direct.sealed"), direct.encodeRequest(r));
        Files.write(dir.resolve("group.sealed"), group.encodeRequest(r));
    }
}
