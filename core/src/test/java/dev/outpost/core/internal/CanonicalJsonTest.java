package dev.outpost.core.internal;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import dev.outpost.Json;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class CanonicalJsonTest {
    private static final JsonNodeFactory F = JsonNodeFactory.instance;

    /** The form the stored hashes (audit lines, idempotency fingerprints) were made with: Jackson's toString of each scalar. */
    private static String jacksonForm(JsonNode node) {
        StringBuilder sb = new StringBuilder();
        if (node.isObject()) {
            List<String> names = new ArrayList<>();
            node.fieldNames().forEachRemaining(names::add);
            names.sort(null);
            sb.append('{');
            for (int i = 0; i < names.size(); i++) {
                sb.append(i > 0 ? "," : "").append(TextNode.valueOf(names.get(i)).toString()).append(':')
                        .append(jacksonForm(node.get(names.get(i))));
            }
            return sb.append('}').toString();
        }
        if (node.isArray()) {
            sb.append('[');
            for (int i = 0; i < node.size(); i++) {
                sb.append(i > 0 ? "," : "").append(jacksonForm(node.get(i)));
            }
            return sb.append(']').toString();
        }
        return node.toString();
    }

    private static String text(Random r) {
        StringBuilder s = new StringBuilder();
        int n = r.nextInt(12);
        for (int i = 0; i < n; i++) {
            s.append(switch (r.nextInt(7)) {
                case 0 -> (char) r.nextInt(0x20); // every control character
                case 1 -> "\"\\/\u007f".charAt(r.nextInt(4));
                case 2 -> (char) (0x80 + r.nextInt(0x2000)); // non-ASCII, incl. U+2028
                case 3 -> "😀";
                case 4 -> (char) (0xD800 + r.nextInt(0x800)); // a surrogate, mostly unpaired: the JDK encodes it as '?'
                default -> (char) ('a' + r.nextInt(26));
            });
        }
        return s.toString();
    }

    private static JsonNode tree(Random r, int depth) {
        int k = depth > 3 ? 2 + r.nextInt(8) : r.nextInt(10);
        switch (k) {
            case 0 -> {
                ObjectNode o = F.objectNode();
                // mostly a handful of keys; sometimes more than the small-object sort handles
                for (int i = r.nextInt(8) == 0 ? 15 + r.nextInt(8) : r.nextInt(5); i > 0; i--) {
                    o.set(text(r), tree(r, depth + 1));
                }
                return o;
            }
            case 1 -> {
                ArrayNode a = F.arrayNode();
                for (int i = r.nextInt(5); i > 0; i--) {
                    a.add(tree(r, depth + 1));
                }
                return a;
            }
            case 2 -> {
                return F.textNode(text(r));
            }
            case 3 -> {
                return F.numberNode(r.nextInt());
            }
            case 4 -> {
                return F.numberNode(r.nextLong());
            }
            case 5 -> {
                return F.numberNode(r.nextBoolean() ? r.nextDouble() * 1e12 : Double.longBitsToDouble(r.nextLong()));
            }
            case 6 -> {
                return F.numberNode(new BigDecimal(BigInteger.valueOf(r.nextLong()), r.nextInt(20) - 10));
            }
            case 7 -> {
                return F.booleanNode(r.nextBoolean());
            }
            case 8 -> {
                return F.nullNode();
            }
            default -> {
                return F.numberNode(BigInteger.valueOf(r.nextLong()).multiply(BigInteger.valueOf(r.nextLong())));
            }
        }
    }

    @Test
    void theCanonicalFormIsExactlyWhatStoredHashesWereMadeWith() {
        Random r = new Random(17);
        for (int i = 0; i < 5_000; i++) {
            JsonNode t = tree(r, 0);
            assertThat(new String(CanonicalJson.bytes(t), StandardCharsets.UTF_8)).isEqualTo(
                    new String(jacksonForm(t).getBytes(StandardCharsets.UTF_8), StandardCharsets.UTF_8));
        }
    }

    @Test
    void parsedDocumentsHashAsBeforeWhateverTheirKeyOrder() {
        JsonNode a = Json.parse("{\"b\":[1,2.5,\"x\\u0001\\n\"],\"a\":{\"z\":null,\"y\":true}}");
        JsonNode b = Json.parse("{\"a\":{\"y\":true,\"z\":null},\"b\":[1,2.5,\"x\\u0001\\n\"]}");
        assertThat(CanonicalJson.sha256Of(a)).isEqualTo(CanonicalJson.sha256Of(b)).hasSize(64);
        assertThat(new String(CanonicalJson.bytes(a), StandardCharsets.UTF_8)).isEqualTo(jacksonForm(a))
                .isEqualTo("{\"a\":{\"y\":true,\"z\":null},\"b\":[1,2.5,\"x\\u0001\\n\"]}");
        // the same digest object is reused per thread: one hash never leaks into the next
        assertThat(CanonicalJson.sha256Of(a)).isEqualTo(CanonicalJson.sha256Of(b));
        assertThat(CanonicalJson.sha256("")).isEqualTo("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    }

    @Test
    void theHashIsTheSha256OfTheCanonicalFormForEveryValueAsciiOrNotSmallOrLarge() throws Exception {
        Random r = new Random(23);
        java.security.MessageDigest sha = java.security.MessageDigest.getInstance("SHA-256");
        List<JsonNode> values = new ArrayList<>();
        for (int i = 0; i < 2_000; i++) {
            values.add(tree(r, 0));
        }
        values.add(F.textNode("x".repeat(40_000))); // past the reused buffer
        values.add(F.textNode("é".repeat(20_000) + "😀"));
        values.add(F.objectNode().put("a", 1)); // small again after large: no stale bytes
        for (JsonNode v : values) {
            String expected = java.util.HexFormat.of().formatHex(sha.digest(jacksonForm(v).getBytes(StandardCharsets.UTF_8)));
            JsonBytes appended = new JsonBytes(4).utf8("prefix:");
            CanonicalJson.appendSha256Of(v, appended);
            assertThat(CanonicalJson.sha256Of(v)).isEqualTo(expected);
            assertThat(appended.toString()).isEqualTo("prefix:" + expected);
        }
    }
    @Test
    void objectsThatRepeatOrNearlyRepeatAnEarlierKeyOrderHashAsTheirOwnCanonicalForm() throws Exception {
        // the hash keeps the key orders it has seen: a repeat must reuse one, a near miss must not
        java.security.MessageDigest sha = java.security.MessageDigest.getInstance("SHA-256");
        String[][] shapes = {{"path", "depth", "follow"}, {"depth", "follow", "path"}, {"path", "follow", "depth"},
            {"path", "depth", "limit"}, {"path", "depth"}, {"path", "depth", "follow"}, {"path", new String("depth"), "follow"},
            {"pat", "depth", "follow"}};
        for (int round = 0; round < 3; round++) {
            for (String[] keys : shapes) {
                ObjectNode o = F.objectNode();
                for (int i = 0; i < keys.length; i++) {
                    o.put(keys[i], keys[i].length() * 10 + i + round);
                }
                ObjectNode outer = F.objectNode();
                outer.set("inner", o);
                outer.put("a", round);
                for (JsonNode v : List.of(o, outer)) {
                    String expected = java.util.HexFormat.of().formatHex(sha.digest(jacksonForm(v).getBytes(StandardCharsets.UTF_8)));
                    JsonBytes out = new JsonBytes(8);
                    CanonicalJson.appendSha256Of(v, out);
                    assertThat(out.toString()).as("%s", v).isEqualTo(expected);
                }
            }
        }
    }
}
