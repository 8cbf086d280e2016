package dev.outpost.core.internal;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.outpost.RejectReason;
import dev.outpost.Request;
import dev.outpost.Response;
import dev.outpost.core.json.JsonCodec;
import dev.outpost.core.lifecycle.Guard;
import dev.outpost.inmemory.InMemoryTransport;
import dev.outpost.spi.Codec;
import dev.outpost.spi.CodecException;
import dev.outpost.spi.Decoded;
import dev.outpost.spi.Delivery;
import dev.outpost.spi.Message;
import dev.outpost.spi.Sender;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** A client sharing its reply destination: what it takes, what it hands back for the others, and for how long. */
class ReplyRouterSharedTest {
    private final InMemoryTransport transport = InMemoryTransport.builder().build();
    private final JsonCodec codec = JsonCodec.create();
    private final List<Response> heard = new CopyOnWriteArrayList<>();
    private final AtomicLong now = new AtomicLong();
    private final ReplyClaims claims = new ReplyClaims(now::get);

    @AfterEach
    void close() {
        transport.close();
    }

    private ReplyRouter router(boolean shared) {
        return new ReplyRouter(transport, codec, "replies", Runnable::run, new Guard("client"),
                List.of(d -> heard.add(d.document())), 0, shared ? Optional.of(claims) : Optional.empty());
    }

    private Delivery answer(Request request) throws Exception {
        Response r = Response.ok(request, JsonNodeFactory.instance.objectNode(), "w1", 1, Instant.EPOCH, Instant.EPOCH);
        transport.send("replies", Message.of(codec.encodeResponse(r, Optional.empty()), Map.of())).join();
        return next();
    }

    private Delivery next() throws Exception {
        return transport.receive("replies", 1, Duration.ofSeconds(5)).get(0);
    }

    private boolean queueEmpty() throws Exception {
        return transport.receive("replies", 1, Duration.ZERO).isEmpty();
    }

    @Test
    void anotherClientsAnswerIsHandedBackForItNotTakenNorHeard() throws Exception {
        ReplyRouter router = router(true);
        Request theirs = Request.builder("echo").build();
        router.handle(answer(theirs));
        router.endOfBatch();
        assertThat(heard).isEmpty();
        assertThat(router.handedBack()).isEqualTo(1);
        Delivery again = next(); // visible again at once, for the client that sent it
        assertThat(again.receiveCount()).isEqualTo(2);
        assertThat(codec.decodeResponse(again.message().body()).document().requestId()).isEqualTo(theirs.id());
    }

    @Test
    void aLateAnswerToARequestThisClientSentReachesItsListenersAndIsTaken() throws Exception {
        ReplyRouter router = router(true);
        Request mine = Request.builder("echo").build();
        router.claim(mine.id());
        now.addAndGet(ReplyClaims.GENERATION.toNanos()); // a generation later: still remembered
        router.handle(answer(mine));
        router.endOfBatch();
        assertThat(heard).extracting(Response::requestId).containsExactly(mine.id());
        assertThat(queueEmpty()).isTrue();
        assertThat(router.handedBack()).isZero();
    }

    @Test
    void unsharedAClientTakesEveryAnswerAndItsListenersHearThem() throws Exception {
        ReplyRouter router = router(false);
        Request theirs = Request.builder("echo").build();
        router.handle(answer(theirs));
        router.endOfBatch();
        assertThat(heard).extracting(Response::requestId).containsExactly(theirs.id());
        assertThat(queueEmpty()).isTrue();
    }

    @Test
    void anAnswerNoClientTookInAHundredReceivesIsDroppedAsNoOnes() throws Exception {
        ReplyRouter router = router(true);
        Delivery real = answer(Request.builder("echo").build());
        CompletableFuture<Void> acked = new CompletableFuture<>();
        router.handle(new Delivery() {
            @Override public String id() { return real.id(); }
            @Override public String source() { return real.source(); }
            @Override public Message message() { return real.message(); }
            @Override public int receiveCount() { return ReplyRouter.MAX_RECEIVES; }
            @Override public CompletableFuture<Void> ack() { return real.ack().whenComplete((v, e) -> acked.complete(null)); }
            @Override public CompletableFuture<Void> retry(Duration delay) { throw new AssertionError("handed back"); }
            @Override public CompletableFuture<Void> extend(Duration visibility) { return real.extend(visibility); }
        });
        router.endOfBatch();
        assertThat(acked).isDone();
        assertThat(heard).isEmpty();
        assertThat(router.unclaimed()).isEqualTo(1);
        assertThat(queueEmpty()).isTrue();
    }

    @Test
    void anAnswerSealedForAnotherKeyIsHandedBackWhenSharedAndJunkIsDroppedAtOnce() throws Exception {
        byte[] sealedToAnother = "sealed for another key".getBytes(StandardCharsets.UTF_8);
        // a sealing codec refuses an answer sealed to another client's key as crypto-nacl's wrong-recipient
        Codec sealing = new Codec() {
            @Override public byte[] encodeRequest(Request request) { return codec.encodeRequest(request); }
            @Override public Decoded<Request> decodeRequest(byte[] body) { return codec.decodeRequest(body); }
            @Override public byte[] encodeResponse(Response response, Optional<Sender> to) { return codec.encodeResponse(response, to); }
            @Override public Decoded<Response> decodeResponse(byte[] body) {
                if (java.util.Arrays.equals(body, sealedToAnother)) {
                    throw new CodecException(RejectReason.of("wrong-recipient", false), "sealed for key 0a0b");
                }
                return codec.decodeResponse(body);
            }
        };
        ReplyRouter shared = new ReplyRouter(transport, sealing, "replies", Runnable::run, new Guard("client"),
                List.of(d -> heard.add(d.document())), 0, Optional.of(claims));
        transport.send("replies", Message.of(sealedToAnother, Map.of())).join();
        shared.handle(next());
        shared.endOfBatch();
        assertThat(shared.undecodable()).isZero();
        assertThat(shared.handedBack()).isEqualTo(1);
        assertThat(next().receiveCount()).as("visible again for the others").isEqualTo(2);

        // junk nobody can read costs one receive, shared or not: not a hundred across the clients
        transport.send("replies", Message.of("not json".getBytes(StandardCharsets.UTF_8), Map.of())).join();
        shared.handle(nextNotSealed(sealedToAnother));
        shared.endOfBatch();
        assertThat(shared.undecodable()).isEqualTo(1);
        assertThat(shared.handedBack()).isEqualTo(1);
    }

    /** The next delivery that is not {@code skip}, handing {@code skip} back at once. */
    private Delivery nextNotSealed(byte[] skip) throws Exception {
        while (true) {
            Delivery d = next();
            if (!java.util.Arrays.equals(d.message().body(), skip)) {
                return d;
            }
            d.retry(Duration.ZERO).join();
        }
    }

    @Test
    void handedBackAtOnceTenTimesThenLaterAndLaterForAboutAMinuteAndAHalfInAll() {
        assertThat(ReplyRouter.handBackDelay(1)).isZero();
        assertThat(ReplyRouter.handBackDelay(10)).isZero();
        assertThat(ReplyRouter.handBackDelay(11)).isEqualTo(Duration.ofMillis(50));
        assertThat(ReplyRouter.handBackDelay(ReplyRouter.MAX_RECEIVES - 1)).isEqualTo(Duration.ofSeconds(1));
        Duration total = Duration.ZERO;
        for (int received = 1; received < ReplyRouter.MAX_RECEIVES; received++) {
            total = total.plus(ReplyRouter.handBackDelay(received));
        }
        // what Client.Builder.sharedReplyTo promises
        assertThat(total).isBetween(Duration.ofMinutes(1), Duration.ofMinutes(2));
    }

    @Test
    void claimsAreRememberedForOneToTwoGenerationsAndBoundedHoweverFastTheClientSends() {
        claims.claim("a");
        now.addAndGet(ReplyClaims.GENERATION.toNanos() - 1);
        assertThat(claims.isMine("a")).isTrue();
        now.addAndGet(1); // a new generation: "a" is in the previous one
        assertThat(claims.isMine("a")).isTrue();
        assertThat(claims.isMine("b")).isFalse();
        now.addAndGet(ReplyClaims.GENERATION.toNanos());
        assertThat(claims.isMine("a")).isFalse();

        for (int i = 0; i < 3 * ReplyClaims.MAX_PER_GENERATION; i++) {
            claims.claim("id-" + i);
        }
        // the last generation and the one before, at most
        assertThat(claims.isMine("id-" + (3 * ReplyClaims.MAX_PER_GENERATION - 1))).isTrue();
        assertThat(claims.isMine("id-" + ReplyClaims.MAX_PER_GENERATION)).isFalse();
    }
}
