package dev.outpost.core.internal;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.TextNode;
import java.nio.charset.StandardCharsets;
import java.util.Random;
import org.junit.jupiter.api.Test;

class JsonBytesTest {
    private static String text(Random r) {
        StringBuilder s = new StringBuilder();
        for (int i = r.nextInt(40); i > 0; i--) {
            switch (r.nextInt(8)) {
                case 0 -> s.append((char) r.nextInt(0x20));
                case 1 -> s.append("\"\\/\u007f".charAt(r.nextInt(4)));
                case 2 -> s.append((char) (0x80 + r.nextInt(0x780))); // two bytes
                case 3 -> s.append((char) (0x800 + r.nextInt(0xD000))); // three bytes
                case 4 -> s.appendCodePoint(0x10000 + r.nextInt(0xFFFFF)); // a pair: four bytes
                case 5 -> s.append((char) (0xD800 + r.nextInt(0x800))); // a surrogate, mostly unpaired
                default -> s.append((char) (0x20 + r.nextInt(0x60)));
            }
        }
        return s.toString();
    }

    @Test
    void textIsEncodedAsTheJdkEncodesItAndQuotedAsJacksonQuotesIt() {
        Random r = new Random(3);
        JsonBytes b = new JsonBytes(1); // grows from nothing
        for (int i = 0; i < 20_000; i++) {
            String s = text(r);
            b.setLength(0);
            assertThat(b.utf8(s).toByteArray()).isEqualTo(s.getBytes(StandardCharsets.UTF_8));
            b.setLength(0);
            assertThat(b.quoted(s).toByteArray()).isEqualTo(TextNode.valueOf(s).toString().getBytes(StandardCharsets.UTF_8));
        }
    }

    @Test
    void longTextIsEncodedWholeWherePairsAndEscapesFallOnTheBoundariesOfItsChunks() {
        Random r = new Random(5);
        JsonBytes b = new JsonBytes(1);
        for (int i = 0; i < 300; i++) {
            StringBuilder sb = new StringBuilder();
            int n = 500 + r.nextInt(1200);
            while (sb.length() < n) {
                switch (r.nextInt(4)) {
                    case 0 -> sb.appendCodePoint(0x1F600 + r.nextInt(50)); // a pair: may straddle a chunk's end
                    case 1 -> sb.append((char) r.nextInt(0x20)); // six bytes escaped
                    case 2 -> sb.append('€');
                    default -> sb.append('x');
                }
            }
            String s = sb.toString();
            b.setLength(0);
            assertThat(b.utf8(s).toByteArray()).isEqualTo(s.getBytes(StandardCharsets.UTF_8));
            b.setLength(0);
            assertThat(b.quoted(s).toByteArray()).isEqualTo(TextNode.valueOf(s).toString().getBytes(StandardCharsets.UTF_8));
        }
        // a huge string grows the buffer by about what it needs, not by six times its length
        JsonBytes big = new JsonBytes(16);
        big.quoted("y".repeat(4_000_000));
        assertThat(big.length()).isEqualTo(4_000_002);
        assertThat(big.array().length).isLessThan(9_000_000);
    }

    @Test
    void numbersAreWrittenAsLongToStringWritesThem() {
        Random r = new Random(4);
        JsonBytes b = new JsonBytes(4);
        long[] edges = {0, 1, -1, 9, 10, 99, 100, Long.MAX_VALUE, Long.MIN_VALUE, Long.MIN_VALUE + 1, 999_999_999_999_999_999L,
            1_000_000_000_000_000_000L};
        for (long v : edges) {
            b.setLength(0);
            assertThat(b.number(v).toString()).isEqualTo(Long.toString(v));
        }
        for (int i = 0; i < 100_000; i++) {
            long v = r.nextLong() >> r.nextInt(64);
            b.setLength(0);
            assertThat(b.ascii('x').number(v).toString()).isEqualTo("x" + v);
        }
    }

    @Test
    void aBufferThatGrewForOneHugeDocumentIsLetGoAndStartsEmpty() {
        JsonBytes b = new JsonBytes(16);
        b.utf8("y".repeat(100_000));
        assertThat(b.array().length).isGreaterThanOrEqualTo(100_000);
        b.clear(1024);
        assertThat(b.length()).isZero();
        assertThat(b.array()).hasSize(16);
        assertThat(b.utf8("ab").text(0, 2)).isEqualTo("ab");
    }
}
