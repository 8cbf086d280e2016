package dev.outpost.kv.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.MessageDigest;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.Signature;
import java.security.interfaces.EdECKey;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.Base64;
import java.util.Optional;

/**
 * Discovery's wire format 2: every answer signed with the broker's Ed25519 key (the JDK's own).
 *
 * <p>An answer datagram is {@code {"v":2,"answer":TEXT,"sig":BASE64}}: TEXT is the answer as JSON
 * text ({@code {"v":2,"op":OP,"nonce":N,"broker":ID,"reach":{..}}} or {@code ..."data":D}), and the
 * signature covers {@code "outpost-discovery-answer-v2\n"}, the SHA-256 of the request datagram
 * exactly as received (so the client's nonce, op, key or ping data), then TEXT's UTF-8 bytes.
 * Signing bytes, not re-serialised JSON, leaves nothing for the two sides to canonicalise
 * differently; hashing the request binds an answer to the one query it answers.
 */
public final class DiscoverySigning {
    /** The version field of requests and answers. */
    public static final int VERSION = 2;
    private static final byte[] DOMAIN = "outpost-discovery-answer-v2\n".getBytes(StandardCharsets.US_ASCII);
    private static final String PEM_BEGIN = "-----BEGIN PRIVATE KEY-----";
    private static final String PEM_END = "-----END PRIVATE KEY-----";

    private DiscoverySigning() {}

    /** The answer datagram for {@code request}: {@code answer} as text, signed with {@code key}. */
    public static byte[] sign(PrivateKey key, byte[] request, ObjectNode answer) {
        byte[] text = answer.toString().getBytes(StandardCharsets.UTF_8);
        try {
            Signature s = Signature.getInstance("Ed25519");
            s.initSign(key);
            s.update(message(request, text));
            ObjectNode outer = Wire.JSON.createObjectNode();
            outer.put("v", VERSION);
            outer.put("answer", new String(text, StandardCharsets.UTF_8)); // the very bytes signed
            outer.put("sig", Base64.getEncoder().encodeToString(s.sign()));
            return outer.toString().getBytes(StandardCharsets.UTF_8);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("cannot sign a discovery answer: " + e.getMessage(), e);
        }
    }

    /**
     * The answer in {@code datagram} when {@code key} signed it for {@code request} and it answers
     * {@code op} with {@code nonce}; empty for anything else (unsigned, another key, another query,
     * altered, not JSON): fail closed.
     */
    public static Optional<JsonNode> verify(PublicKey key, byte[] request, String op, String nonce, byte[] datagram, int length) {
        try {
            JsonNode outer = Wire.JSON.readTree(new String(datagram, 0, length, StandardCharsets.UTF_8));
            if (outer == null || outer.path("v").asInt() != VERSION || !outer.path("answer").isTextual()
                    || !outer.path("sig").isTextual()) {
                return Optional.empty();
            }
            byte[] text = outer.get("answer").asText().getBytes(StandardCharsets.UTF_8);
            Signature s = Signature.getInstance("Ed25519");
            s.initVerify(key);
            s.update(message(request, text));
            if (!s.verify(Base64.getDecoder().decode(outer.get("sig").asText()))) {
                return Optional.empty();
            }
            JsonNode answer = Wire.JSON.readTree(text);
            boolean matches = answer != null && answer.path("v").asInt() == VERSION && op.equals(answer.path("op").asText())
                    && nonce.equals(answer.path("nonce").asText());
            return matches ? Optional.of(answer) : Optional.empty();
        } catch (IOException | GeneralSecurityException | IllegalArgumentException e) {
            return Optional.empty(); // not JSON, bad base64, a malformed signature
        }
    }

    private static byte[] message(byte[] request, byte[] answer) throws GeneralSecurityException {
        byte[] hash = MessageDigest.getInstance("SHA-256").digest(request);
        byte[] m = new byte[DOMAIN.length + hash.length + answer.length];
        System.arraycopy(DOMAIN, 0, m, 0, DOMAIN.length);
        System.arraycopy(hash, 0, m, DOMAIN.length, hash.length);
        System.arraycopy(answer, 0, m, DOMAIN.length + hash.length, answer.length);
        return m;
    }

    /** Whether {@code key} is an Ed25519 key (the only kind discovery signs or verifies with). */
    public static boolean isEd25519(java.security.Key key) {
        return key instanceof EdECKey ed && ed.getParams() != null && "Ed25519".equalsIgnoreCase(ed.getParams().getName());
    }

    /** {@code key} as an unencrypted PKCS#8 PEM file's text (what {@code openssl genpkey -algorithm ed25519} writes). */
    public static String pem(PrivateKey key) {
        return PEM_BEGIN + "\n" + Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(key.getEncoded()) + "\n" + PEM_END + "\n";
    }

    /**
     * Reads the signing key from {@code file}, refusing one that other users could read, replace or
     * own; problems are recorded under {@code configKey}, and never quote the file's content.
     */
    public static Optional<PrivateKey> read(Path file, String configKey, Settings problems) {
        try {
            Optional<String> unsafe = SecretFiles.problem(file, "the discovery signing key");
            if (unsafe.isPresent()) {
                problems.problem(configKey, unsafe.get());
                return Optional.empty();
            }
            String text = Files.readString(file, StandardCharsets.US_ASCII).strip();
            if (!text.startsWith(PEM_BEGIN) || !text.endsWith(PEM_END)) {
                problems.problem(configKey, file + " is not a PEM private key (-----BEGIN PRIVATE KEY-----; DiscoveryKeys.generate"
                        + " writes one)");
                return Optional.empty();
            }
            byte[] der = Base64.getMimeDecoder().decode(text.substring(PEM_BEGIN.length(), text.length() - PEM_END.length()));
            PrivateKey key = KeyFactory.getInstance("Ed25519").generatePrivate(new PKCS8EncodedKeySpec(der));
            return Optional.of(key);
        } catch (IOException e) {
            problems.problem(configKey, "cannot read " + file + ": " + String.valueOf(e.getMessage()).replaceAll("\\s+", " "));
        } catch (GeneralSecurityException | IllegalArgumentException e) {
            problems.problem(configKey, file + " does not hold an Ed25519 private key");
        }
        return Optional.empty();
    }

    /** The size of the largest find answer (a 64-character nonce) this broker id and reach map make, signed. */
    public static int largestFindAnswer(PrivateKey key, String brokerId, JsonNode reach) {
        ObjectNode a = Wire.JSON.createObjectNode().put("v", VERSION).put("op", "find").put("nonce", "n".repeat(64)).put("broker", brokerId);
        a.set("reach", reach);
        return sign(key, new byte[0], a).length; // an Ed25519 signature has one size: this is the size of every such answer
    }

    /**
     * The responder's signing key: the one given, else the file given, else the file
     * {@code outpost.broker.discovery.signing-key-file} names; none is a problem (fail closed).
     */
    public static Optional<PrivateKey> key(Optional<PrivateKey> explicit, Optional<Path> explicitFile, Settings s) {
        if (explicit.isPresent()) {
            return explicit;
        }
        String configKey = explicitFile.isPresent() ? "signingKeyFile" : "outpost.broker.discovery.signing-key-file";
        Optional<Path> file = s.path(explicitFile, "outpost.broker.discovery.signing-key-file");
        if (file.isEmpty()) {
            s.problem(configKey, "no signing key: hosts take only signed answers, so that whoever answers first cannot send"
                    + " them elsewhere (outpost keygen --discovery --out FILE, or DiscoveryKeys.generate(file), makes one; pin its public key on the hosts)");
        }
        return file.flatMap(f -> read(f, configKey, s));
    }
}
