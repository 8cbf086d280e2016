package dev.outpost.kv;

import static dev.outpost.kv.DiscoveryTestKeys.BROKER_KEY;
import static dev.outpost.kv.DiscoveryTestKeys.BROKER_PRIVATE;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.outpost.ConfigException;
import dev.outpost.Json;
import dev.outpost.core.config.OutpostConfig;
import dev.outpost.core.registry.InMemoryRegistry;
import dev.outpost.kv.internal.DiscoverySigning;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.BiFunction;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Discovery answers are signed, and a client takes only one its pinned key signed for its own
 * request. Each attack runs through a spoofer on 127.0.0.1 that the client asks: it answers first
 * (unsigned, signed by another key, tampered, replayed), then relays the real broker's answer, which
 * must be the one taken. Before signing, the first answer with the right nonce won.
 */
class DiscoveryAuthenticationTest {
    private static final InetAddress LOOPBACK = InetAddress.getLoopbackAddress();
    private static final Map<String, String> REACH = Map.of("transport", "sqs", "requests", "kv-requests");

    @TempDir
    Path dir;
    private InMemoryRegistry kv;
    private DiscoveryResponder responder;

    @BeforeEach
    void start() throws Exception {
        kv = InMemoryRegistry.create();
        kv.register("svc/billing", Json.parse("1"), Optional.empty());
        responder = DiscoveryResponder.builder(kv, new InetSocketAddress(LOOPBACK, 0)).signingKey(BROKER_PRIVATE)
                .discoverable("svc").brokerId("broker-1").reach(REACH).build().start();
    }

    @AfterEach
    void stop() {
        responder.close();
        kv.close();
    }

    @Test
    void unsignedAnswersAndAnswersSignedByAnotherKeyThatComeFirstAreIgnored() throws Exception {
        DiscoveryClient.Found found = findThroughSpoofer((query, genuine) -> {
            String nonce = Json.parse(new String(query, StandardCharsets.UTF_8)).get("nonce").asText();
            ObjectNode evil = evilAnswer(nonce);
            ObjectNode unsigned = Json.object().put("v", 2).put("answer", evil.toString()).put("sig", "");
            return List.of(evil.deepCopy().put("v", 1).toString().getBytes(StandardCharsets.UTF_8), // the old format
                    evil.toString().getBytes(StandardCharsets.UTF_8), // format 2 fields, no signature at all
                    unsigned.toString().getBytes(StandardCharsets.UTF_8),
                    DiscoverySigning.sign(DiscoveryTestKeys.generate().getPrivate(), query, evil)); // well formed, another key
        }).orElseThrow();
        assertThat(found.broker()).isEqualTo("broker-1");
        assertThat(found.reach()).isEqualTo(REACH);
    }

    @Test
    void anAnswerWithItsReachAlteredIsRejected() throws Exception {
        DiscoveryClient.Found found = findThroughSpoofer((query, genuine) -> List.of(
                tampered(genuine, "kv-requests", "evil-requests"), tampered(genuine, "broker-1", "broker-6"))).orElseThrow();
        assertThat(found.reach()).isEqualTo(REACH);
        assertThat(found.broker()).isEqualTo("broker-1");
    }

    @Test
    void aGenuineAnswerToAnotherNonceIsRejectedWhetherReplayedAsItIsOrWithTheNonceRewritten() throws Exception {
        // the same broker key, as the broker was configured before (an old queue): what a spoofer may have recorded
        try (DiscoveryResponder before = DiscoveryResponder.builder(kv, new InetSocketAddress(LOOPBACK, 0)).signingKey(BROKER_PRIVATE)
                .discoverable("svc").brokerId("broker-1").reach(Map.of("transport", "sqs", "requests", "old-requests")).build().start()) {
            byte[] recorded = ask(before.address(),
                    "{\"v\":2,\"op\":\"find\",\"key\":\"svc/billing\",\"nonce\":\"0123\"}".getBytes(StandardCharsets.UTF_8));
            DiscoveryClient.Found found = findThroughSpoofer((query, genuine) -> {
                String nonce = Json.parse(new String(query, StandardCharsets.UTF_8)).get("nonce").asText();
                return List.of(recorded, tampered(recorded, "0123", nonce));
            }).orElseThrow();
            assertThat(found.reach()).as("the answer signed for this request, not a recorded one").isEqualTo(REACH);
        }
    }

    @Test
    void anAnswerForAnotherKeyWithTheSameNonceIsRejected() throws Exception {
        kv.register("svc/other", Json.parse("1"), Optional.empty());
        Optional<DiscoveryClient.Found> found = findThroughSpoofer((query, genuine) -> {
            // the client asked for svc/billing; the spoofer asks the broker for svc/other with the client's nonce
            String forOther = new String(query, StandardCharsets.UTF_8).replace("svc/billing", "svc/other");
            return List.of(askBroker(forOther.getBytes(StandardCharsets.UTF_8)));
        }, "svc/billing", false, Duration.ofMillis(500));
        assertThat(found).as("signed by the broker, but for another request").isEmpty();
    }

    @Test
    void aClientPinningAnotherKeyTakesNoAnswerFromTheRealBroker() {
        assertThat(DiscoveryClient.find(responder.address(), "svc/billing", DiscoveryTestKeys.generate().getPublic(),
                Duration.ofMillis(300))).isEmpty();
        assertThat(DiscoveryClient.ping(responder.address(), Json.parse("1"), DiscoveryTestKeys.generate().getPublic(),
                Duration.ofMillis(300))).isEmpty();
        assertThat(DiscoveryClient.ping(responder.address(), Json.parse("1"), BROKER_KEY, Duration.ofSeconds(5)))
                .contains(Json.parse("1"));
    }

    @Test
    void aFormatOneRequestGetsNoAnswerAndIsCountedAsDropped() throws Exception {
        try (DatagramSocket raw = new DatagramSocket(0, LOOPBACK)) {
            raw.setSoTimeout(300);
            byte[] v1 = "{\"v\":1,\"op\":\"ping\",\"nonce\":\"n1\",\"data\":7}".getBytes(StandardCharsets.UTF_8);
            raw.send(new DatagramPacket(v1, v1.length, responder.address()));
            assertThatThrownBy(() -> raw.receive(new DatagramPacket(new byte[2048], 2048)))
                    .isInstanceOf(java.net.SocketTimeoutException.class);
        }
        assertThat(responder.dropped()).isEqualTo(1);
        assertThat(responder.answered()).isZero();
    }

    @Test
    void aGeneratedKeyFileIsOwnerOnlyAndItsPublicKeyVerifiesTheAnswers() throws Exception {
        Path file = dir.resolve("keys/discovery.key");
        String publicKey = DiscoveryKeys.generate(file);
        assertThat(publicKey).startsWith("ed25519:");
        assertThat(Files.getPosixFilePermissions(file)).isEqualTo(PosixFilePermissions.fromString("rw-------"));
        assertThat(Files.readString(file)).startsWith("-----BEGIN PRIVATE KEY-----");
        assertThat(DiscoveryKeys.text(DiscoveryKeys.publicKey(publicKey))).isEqualTo(publicKey);
        assertThatThrownBy(() -> DiscoveryKeys.generate(file)).hasMessageContaining("never overwritten");
        OutpostConfig config = OutpostConfig.builder().set("outpost.broker.discovery.signing-key-file", file.toString()).build();
        try (DiscoveryResponder fromFile = DiscoveryResponder.builder(kv, new InetSocketAddress(LOOPBACK, 0)).discoverable("svc")
                .configure(config).build().start()) {
            assertThat(DiscoveryClient.find(fromFile.address(), "svc/billing", DiscoveryKeys.publicKey(publicKey),
                    Duration.ofSeconds(5))).isPresent();
        }
        assertThatThrownBy(() -> DiscoveryKeys.publicKey("ed25519:AAAA")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void aKeyFileOthersCouldReadOrReplaceIsRefusedAndNoKeyAtAllIsRefused() throws Exception {
        Path file = dir.resolve("keys/discovery.key");
        DiscoveryKeys.generate(file);
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-r-----"));
        assertThatThrownBy(() -> DiscoveryResponder.builder(kv, new InetSocketAddress(LOOPBACK, 0)).discoverable("svc")
                .signingKeyFile(file).build())
                .isInstanceOf(ConfigException.class).hasMessageContaining("chmod 600").hasMessageNotContaining("PRIVATE KEY");
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
        Files.setPosixFilePermissions(file.getParent(), PosixFilePermissions.fromString("rwxrwxrwx"));
        assertThatThrownBy(() -> DiscoveryResponder.builder(kv, new InetSocketAddress(LOOPBACK, 0)).discoverable("svc")
                .signingKeyFile(file).build())
                .isInstanceOf(ConfigException.class).hasMessageContaining("chmod go-w");
        Files.setPosixFilePermissions(file.getParent(), PosixFilePermissions.fromString("rwx------"));
        DiscoveryResponder.builder(kv, new InetSocketAddress(LOOPBACK, 0)).discoverable("svc").signingKeyFile(file).build().close();
        assertThatThrownBy(() -> DiscoveryResponder.builder(kv, new InetSocketAddress(LOOPBACK, 0)).discoverable("svc").build())
                .isInstanceOf(ConfigException.class).hasMessageContaining("no signing key");
        assertThatThrownBy(() -> DiscoveryResponder.builder(kv, new InetSocketAddress(LOOPBACK, 0))
                .signingKey(java.security.KeyPairGenerator.getInstance("EC").generateKeyPair().getPrivate()))
                .isInstanceOf(IllegalArgumentException.class);
    }

    private static ObjectNode evilAnswer(String nonce) {
        ObjectNode a = Json.object().put("v", 2).put("op", "find").put("nonce", nonce).put("broker", "evil");
        a.putObject("reach").put("transport", "sqs").put("requests", "evil-requests");
        return a;
    }

    /** {@code answer} with {@code from} replaced by {@code to} inside its signed text, the signature kept. */
    private static byte[] tampered(byte[] answer, String from, String to) {
        JsonNode outer = Json.parse(new String(answer, StandardCharsets.UTF_8));
        String text = outer.get("answer").asText();
        assertThat(text).contains(from);
        return ((ObjectNode) outer.deepCopy()).put("answer", text.replace(from, to)).toString().getBytes(StandardCharsets.UTF_8);
    }

    private byte[] askBroker(byte[] request) {
        return ask(responder.address(), request);
    }

    private static byte[] ask(InetSocketAddress broker, byte[] request) {
        try (DatagramSocket s = new DatagramSocket(0, LOOPBACK)) {
            s.setSoTimeout(5000);
            s.send(new DatagramPacket(request, request.length, broker));
            return receive(s).data();
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private Optional<DiscoveryClient.Found> findThroughSpoofer(BiFunction<byte[], byte[], List<byte[]>> spoofs) throws Exception {
        return findThroughSpoofer(spoofs, "svc/billing", true, Duration.ofSeconds(10));
    }

    /**
     * A find sent to a spoofer, which sends {@code spoofs(query, genuineAnswer)} first and then,
     * when {@code relay}, the genuine answer it got from the real broker for the client's query.
     */
    private Optional<DiscoveryClient.Found> findThroughSpoofer(BiFunction<byte[], byte[], List<byte[]>> spoofs, String key,
            boolean relay, Duration timeout) throws Exception {
        try (DatagramSocket spoofer = new DatagramSocket(0, LOOPBACK)) {
            spoofer.setSoTimeout(5000);
            InetSocketAddress at = new InetSocketAddress(LOOPBACK, spoofer.getLocalPort());
            CompletableFuture<Optional<DiscoveryClient.Found>> found =
                    CompletableFuture.supplyAsync(() -> DiscoveryClient.find(at, key, BROKER_KEY, timeout));
            Received query = receive(spoofer);
            SocketAddress client = query.from();
            byte[] genuine = askBroker(query.data());
            for (byte[] spoof : spoofs.apply(query.data(), genuine)) {
                spoofer.send(new DatagramPacket(spoof, spoof.length, client));
            }
            if (relay) {
                spoofer.send(new DatagramPacket(genuine, genuine.length, client));
            }
            return found.get(timeout.toMillis() + 10_000, TimeUnit.MILLISECONDS);
        }
    }

    private record Received(byte[] data, SocketAddress from) {}

    private static Received receive(DatagramSocket s) throws java.io.IOException {
        DatagramPacket p = new DatagramPacket(new byte[2048], 2048);
        s.receive(p);
        return new Received(Arrays.copyOf(p.getData(), p.getLength()), p.getSocketAddress());
    }
}
