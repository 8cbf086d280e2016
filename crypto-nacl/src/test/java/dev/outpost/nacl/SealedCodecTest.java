package dev.outpost.nacl;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.outpost.RejectReason;
import dev.outpost.Request;
import dev.outpost.Response;
import dev.outpost.Json;
import dev.outpost.spi.CodecException;
import dev.outpost.spi.Decoded;
import dev.outpost.spi.Received;
import dev.outpost.spi.Sender;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

class SealedCodecTest {
    static final NaclKeyPair ALICE = NaclKeyPair.generate();
    static final NaclKeyPair WORKER = NaclKeyPair.generate();
    static final NaclKeyPair STRANGER = NaclKeyPair.generate();

    static SealedCodec client(NaclKeyPair me, NaclPublicKey... to) {
        return SealedCodec.builder().identity(me).recipients(List.of(to)).build();
    }

    static SealedCodec worker(NaclKeyPair me) {
        return SealedCodec.builder().identity(me)
                .knownSenders(KnownSenders.of(new KnownSender(ALICE.publicKey(), "alice", Optional.of(Set.of("outpost.ping")))))
                .build();
    }

    static Request request() {
        return Request.builder("outpost.ping").param("hello", "world").build();
    }

    static void refused(SealedCodec codec, byte[] body, RejectReason reason) {
        assertThatThrownBy(() -> codec.decodeRequest(body))
                .isInstanceOfSatisfying(CodecException.class, e -> assertThat(e.reason()).isEqualTo(reason));
    }

    @Test
    void aRequestOpensAtItsRecipientWithTheAuthenticatedSender() {
        Request r = request();
        byte[] sealed = client(ALICE, WORKER.publicKey()).encodeRequest(r);
        assertThat(new String(sealed, java.nio.charset.StandardCharsets.ISO_8859_1)).doesNotContain("hello", "world", "outpost.ping");
        Decoded<Request> d = worker(WORKER).decodeRequest(sealed);
        assertThat(d.document()).isEqualTo(r);
        Sender s = d.sender().orElseThrow();
        assertThat(s.name()).isEqualTo("alice");
        assertThat(s.id()).isEqualTo(ALICE.publicKey().base64());
        assertThat(s.mayRun("outpost.ping")).isTrue();
        assertThat(s.mayRun("reboot")).isFalse();
    }

    @Test
    void theResponseIsSealedBackToTheRequestsSender() {
        SealedCodec w = worker(WORKER);
        SealedCodec c = client(ALICE, WORKER.publicKey());
        Decoded<Request> d = w.decodeRequest(c.encodeRequest(request()));
        Response resp = Response.ok(d.document(), Json.toTree("pong"), "w1", 1, Instant.now(), Instant.now());
        byte[] sealed = w.encodeResponse(resp, d.sender());
        assertThat(c.decodeResponse(sealed).document()).isEqualTo(resp);
        // nobody else can read it, not even the worker that wrote it
        assertThatThrownBy(() -> client(STRANGER, WORKER.publicKey()).decodeResponse(sealed)).isInstanceOf(CodecException.class);
    }

    @Test
    void aKnownWorkerCannotAnswerInTheNameOfAnotherKnownWorker() {
        NaclKeyPair web1 = NaclKeyPair.generate();
        NaclKeyPair web2 = NaclKeyPair.generate();
        SealedCodec c = SealedCodec.builder().identity(ALICE).recipients(List.of(web1.publicKey(), web2.publicKey()))
                .knownSenders(KnownSenders.of(KnownSender.of(web1.publicKey(), "web-1"), KnownSender.of(web2.publicKey(), "web-2")))
                .build();
        SealedCodec w2 = SealedCodec.builder().identity(web2)
                .knownSenders(KnownSenders.of(KnownSender.of(ALICE.publicKey(), "alice"))).build();
        Decoded<Request> d = w2.decodeRequest(c.encodeRequest(request()));
        Instant now = Instant.now();

        // web-2 answers as itself: believed
        Response own = Response.ok(d.document(), Json.toTree("pong"), "web-2", 1, now, now);
        assertThat(c.decodeResponse(w2.encodeResponse(own, d.sender())).sender().orElseThrow().name()).isEqualTo("web-2");
        // web-2 answers as web-1, whose key the client knows: refused, naming both
        Response forged = Response.ok(d.document(), Json.toTree("pong"), "web-1", 1, now, now);
        byte[] sealed = w2.encodeResponse(forged, d.sender());
        assertThatThrownBy(() -> c.decodeResponse(sealed))
                .isInstanceOfSatisfying(CodecException.class, e -> {
                    assertThat(e.reason()).isEqualTo(RejectReason.UNAUTHORISED);
                    assertThat(e.getMessage()).contains("'web-1'", "'web-2'");
                });
        // a name no known sender has proves nothing either way (recipients-only clients name keys recipient-<id>)
        Response unnamed = Response.ok(d.document(), Json.toTree("pong"), "host-17", 1, now, now);
        assertThat(c.decodeResponse(w2.encodeResponse(unnamed, d.sender())).document().worker()).isEqualTo("host-17");
    }

    @Test
    void flippingAnyByteGetsTheMessageRefused() {
        byte[] sealed = client(ALICE, WORKER.publicKey()).encodeRequest(request());
        SealedCodec w = worker(WORKER);
        for (int i = 0; i < sealed.length; i++) {
            for (int bit : new int[] {0x01, 0x80}) {
                byte[] bad = sealed.clone();
                bad[i] ^= (byte) bit;
                int at = i;
                assertThatThrownBy(() -> w.decodeRequest(bad)).as("byte %d flipped", at).isInstanceOf(CodecException.class);
            }
        }
        assertThat(w.decodeRequest(sealed).document().collector()).isEqualTo("outpost.ping");
    }

    @Test
    void aPlainJsonRequestIsCalledUnsealedNotAnUnknownFormat() {
        // a client without outpost.nacl.* talking to a sealed worker: the operator reads this line in the worker's log
        byte[] plain = "{\"id\":\"r1\",\"collector\":\"outpost.ping\"}".getBytes(java.nio.charset.StandardCharsets.UTF_8);
        assertThatThrownBy(() -> worker(WORKER).decodeRequest(plain))
                .isInstanceOfSatisfying(CodecException.class, e -> assertThat(e.reason()).isEqualTo(RejectReason.BAD_FORMAT))
                .hasMessageContaining("not sealed").hasMessageContaining("outpost.nacl")
                .hasMessageNotContaining("format byte");
    }

    @Test
    void eachFailureHasItsReason() {
        byte[] sealed = client(ALICE, WORKER.publicKey()).encodeRequest(request());
        refused(worker(WORKER), client(STRANGER, WORKER.publicKey()).encodeRequest(request()), RejectReason.UNKNOWN_SENDER);
        refused(worker(NaclKeyPair.generate()), sealed, SealRejects.WRONG_RECIPIENT);
        refused(worker(WORKER), new byte[0], RejectReason.UNDECODABLE);
        refused(worker(WORKER), java.util.Arrays.copyOf(sealed, 60), SealRejects.BAD_SEAL);
        refused(worker(WORKER), java.util.Arrays.copyOf(sealed, sealed.length - 1), SealRejects.BAD_SEAL);
        byte[] format = sealed.clone();
        format[0] = 0x7f;
        refused(worker(WORKER), format, RejectReason.BAD_FORMAT);
        refused(SealedCodec.builder().identity(WORKER).knownSenders(KnownSenders.of(KnownSender.of(ALICE.publicKey(), "a")))
                .maxMessageBytes(200).build(), client(ALICE, WORKER.publicKey()).encodeRequest(
                        Request.builder("x").param("pad", "y".repeat(500)).build()), RejectReason.OVERSIZE);
        Random random = new Random(5);
        SealedCodec w = worker(WORKER);
        for (int i = 0; i < 500; i++) {
            byte[] noise = new byte[random.nextInt(400)];
            random.nextBytes(noise);
            assertThatThrownBy(() -> w.decodeRequest(noise)).isInstanceOf(CodecException.class);
        }
    }

    @Test
    void whatTheInnerCodecRefusesInsideTheSealIsNotQuotedInTheRefusal() {
        // the worker logs a refusal's detail and puts it on the dead-letter copy in clear: it must not carry the plaintext
        SealedCodec c = client(ALICE, WORKER.publicKey());
        SealedCodec w = worker(WORKER);
        String[] insides = {
            "{\"v\":1,\"id\":\"x\",\"collector\":\"outpost.ping\",\"params\":{\"password\":hunter2}}",
            "{\"v\":1,\"id\":\"x\",\"collector\":\"outpost.ping\",\"params\":{},\"sentAt\":\"hunter2\"}"};
        RejectReason[] reasons = {RejectReason.UNDECODABLE, RejectReason.SCHEMA_INVALID};
        for (int i = 0; i < insides.length; i++) {
            byte[] sealed = c.seal(insides[i].getBytes(java.nio.charset.StandardCharsets.UTF_8), List.of(WORKER.publicKey()));
            RejectReason reason = reasons[i];
            assertThatThrownBy(() -> w.decodeRequest(sealed)).isInstanceOfSatisfying(CodecException.class, e -> {
                assertThat(e.reason()).isEqualTo(reason);
                assertThat(e.getMessage()).doesNotContain("hunter2").contains("alice");
                assertThat(e.getCause()).isNull();
            });
        }
        // and a client dropping a worker's malformed answer does not log what it said either
        byte[] answer = w.seal("{\"requestId\":\"hunter2\"".getBytes(java.nio.charset.StandardCharsets.UTF_8),
                List.of(ALICE.publicKey()));
        assertThatThrownBy(() -> c.decodeResponse(answer)).isInstanceOfSatisfying(CodecException.class,
                e -> assertThat(e.getMessage()).doesNotContain("hunter2"));
    }

    @Test
    void aReplayIsRefusedButARedeliveryOfTheSameTransportMessageIsNot() {
        SealedCodec w = worker(WORKER);
        byte[] sealed = client(ALICE, WORKER.publicKey()).encodeRequest(request());
        w.decodeRequest(sealed, new Received("sqs-msg-1", 1));
        assertThat(w.decodeRequest(sealed, new Received("sqs-msg-1", 2)).document().collector()).isEqualTo("outpost.ping");
        assertThatThrownBy(() -> w.decodeRequest(sealed, new Received("sqs-msg-2", 1)))
                .isInstanceOfSatisfying(CodecException.class, e -> assertThat(e.reason()).isEqualTo(SealRejects.REPLAY));
        assertThatThrownBy(() -> w.decodeRequest(sealed))
                .isInstanceOfSatisfying(CodecException.class, e -> assertThat(e.reason()).isEqualTo(SealRejects.REPLAY));
    }

    @Test
    void staleAndFutureDatedMessagesAreRefused() {
        Instant now = Instant.parse("2026-06-01T12:00:00Z");
        SealedCodec w = SealedCodec.builder().identity(WORKER).knownSenders(KnownSenders.of(KnownSender.of(ALICE.publicKey(), "a")))
                .clock(Clock.fixed(now, ZoneOffset.UTC)).build();
        SealedCodec old = SealedCodec.builder().identity(ALICE).recipient(WORKER.publicKey())
                .clock(Clock.fixed(now.minus(Duration.ofMinutes(6)), ZoneOffset.UTC)).build();
        SealedCodec early = SealedCodec.builder().identity(ALICE).recipient(WORKER.publicKey())
                .clock(Clock.fixed(now.plus(Duration.ofMinutes(2)), ZoneOffset.UTC)).build();
        SealedCodec skewed = SealedCodec.builder().identity(ALICE).recipient(WORKER.publicKey())
                .clock(Clock.fixed(now.plus(Duration.ofSeconds(30)), ZoneOffset.UTC)).build();
        refused(w, old.encodeRequest(request()), SealRejects.STALE);
        refused(w, early.encodeRequest(request()), SealRejects.STALE);
        assertThat(w.decodeRequest(skewed.encodeRequest(request())).sender()).isPresent();
    }

    @Test
    void duringRotationTheOldKeyStillOpens() {
        NaclKeyPair next = NaclKeyPair.generate();
        SealedCodec rotated = SealedCodec.builder().identity(next).previousIdentity(WORKER)
                .knownSenders(KnownSenders.of(KnownSender.of(ALICE.publicKey(), "a"))).build();
        assertThat(rotated.publicKey()).isEqualTo(next.publicKey());
        assertThat(rotated.decodeRequest(client(ALICE, WORKER.publicKey()).encodeRequest(request())).sender()).isPresent();
        assertThat(rotated.decodeRequest(client(ALICE, next.publicKey()).encodeRequest(request())).sender()).isPresent();
    }

    @Test
    void aGroupMessageOpensForEachRecipientAndNoOneElse() {
        NaclKeyPair[] workers = {NaclKeyPair.generate(), NaclKeyPair.generate(), NaclKeyPair.generate()};
        SealedCodec c = client(ALICE, workers[0].publicKey(), workers[1].publicKey(), workers[2].publicKey());
        Request r = request();
        byte[] sealed = c.encodeRequest(r);
        assertThat(sealed[0]).isEqualTo(SealedCodec.FORMAT_GROUP);
        for (NaclKeyPair w : workers) {
            assertThat(worker(w).decodeRequest(sealed).document()).isEqualTo(r);
        }
        refused(worker(NaclKeyPair.generate()), sealed, SealRejects.WRONG_RECIPIENT);
        // Every byte a recipient can check is checked; only the other recipients' sealed keys are
        // opaque to it (changing those breaks the message for them alone).
        int header = 1 + 32 + 24 + 2;
        int entry = 8 + 16 + 64;
        for (int i = 0; i < sealed.length; i++) {
            boolean othersSealedKey = false;
            for (int other : new int[] {0, 2}) {
                int from = header + other * entry + 8;
                othersSealedKey |= i >= from && i < from + 16 + 64;
            }
            if (othersSealedKey) {
                continue;
            }
            byte[] bad = sealed.clone();
            bad[i] ^= 0x01;
            SealedCodec fresh = worker(workers[1]);
            int at = i;
            assertThatThrownBy(() -> fresh.decodeRequest(bad)).as("byte %d flipped", at).isInstanceOf(CodecException.class);
        }
    }

    @Test
    void aGroupBodyCannotBeSwappedForAnotherOne() {
        NaclKeyPair w1 = NaclKeyPair.generate();
        NaclKeyPair w2 = NaclKeyPair.generate();
        SealedCodec c = client(ALICE, w1.publicKey(), w2.publicKey());
        byte[] a = c.encodeRequest(Request.builder("outpost.ping").param("n", 1).build());
        byte[] b = c.encodeRequest(Request.builder("outpost.ping").param("n", 2).build());
        int header = 1 + 32 + 24 + 2 + 2 * (8 + 16 + 64);
        byte[] spliced = java.util.Arrays.copyOf(a, header + (b.length - header));
        System.arraycopy(b, header, spliced, header, b.length - header);
        refused(worker(w2), spliced, SealRejects.BAD_SEAL);
    }

    @Test
    void secretsNeverShowInToString() {
        assertThat(ALICE.toString()).contains(ALICE.publicKey().base64()).contains("****");
        assertThat(worker(WORKER).toString()).doesNotContain(java.util.Base64.getEncoder().encodeToString(WORKER.secret()));
    }

    @Test
    void aClosedKeyPairIsUnusable() {
        NaclKeyPair k = NaclKeyPair.generate();
        k.close();
        assertThatThrownBy(() -> client(k, WORKER.publicKey()).encodeRequest(request())).isInstanceOf(IllegalStateException.class);
    }
    @Test
    void messagesLargerThanTheThreadsNativeBufferSealAndOpenAndTamperingIsStillFound() {
        // 64 KiB are kept per thread; a larger box gets native memory of its own for the call
        String big = "x".repeat(200_000);
        Request r = Request.builder("outpost.ping").param("blob", big).build();
        SealedCodec client = client(ALICE, WORKER.publicKey());
        SealedCodec worker = worker(WORKER);
        byte[] sealed = client.encodeRequest(r);
        Decoded<Request> d = worker.decodeRequest(sealed);
        assertThat(d.document()).isEqualTo(r);
        Response answer = Response.ok(d.document(), Json.toTree(java.util.Map.of("echo", big)), "w", 1, Instant.now(), Instant.now());
        assertThat(client.decodeResponse(worker.encodeResponse(answer, d.sender())).document()).isEqualTo(answer);
        byte[] tampered = client.encodeRequest(r);
        tampered[tampered.length - 1000] ^= 1;
        refused(worker, tampered, SealRejects.BAD_SEAL);
        // and the thread's own buffer still works after the large ones
        assertThat(worker.decodeRequest(client.encodeRequest(request())).document().collector()).isEqualTo("outpost.ping");
    }
}
