package dev.outpost.core.json;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.JsonNode;
import dev.outpost.core.internal.Timestamps;
import java.io.IOException;
import java.time.Instant;
import java.util.Map;

/**
 * Writes params and results as the mapper's {@code writeTree} does, for the node types a
 * document's tree holds (objects, arrays, strings, booleans, null, int/long/double/float/big
 * integer numbers), without a serializer provider per call; any other node goes to the mapper.
 * Refuses non-finite numbers as {@link JsonCodec}'s generator wrapper does, with the same message.
 * The generator's nesting limit still applies.
 */
final class TreeWriter {
    private static final ThreadLocal<Stamp> STAMP = ThreadLocal.withInitial(Stamp::new);

    private TreeWriter() {}

    static void write(JsonGenerator g, JsonNode n) throws IOException {
        switch (n.getNodeType()) {
            case OBJECT -> {
                g.writeStartObject();
                for (Map.Entry<String, JsonNode> e : n.properties()) {
                    g.writeFieldName(e.getKey());
                    write(g, e.getValue());
                }
                g.writeEndObject();
            }
            case ARRAY -> {
                g.writeStartArray();
                for (int i = 0, size = n.size(); i < size; i++) {
                    write(g, n.get(i));
                }
                g.writeEndArray();
            }
            case STRING -> g.writeString(n.textValue());
            case BOOLEAN -> g.writeBoolean(n.booleanValue());
            case NULL -> g.writeNull();
            case NUMBER -> number(g, n);
            default -> JsonCodec.writeByMapper(g, n);
        }
    }

    private static void number(JsonGenerator g, JsonNode n) throws IOException {
        switch (n.numberType()) {
            case INT -> g.writeNumber(n.intValue());
            case LONG -> g.writeNumber(n.longValue());
            case BIG_INTEGER -> g.writeNumber(n.bigIntegerValue());
            case DOUBLE -> {
                double v = n.doubleValue();
                if (!Double.isFinite(v)) {
                    throw notFinite(g, v);
                }
                g.writeNumber(v);
            }
            case FLOAT -> {
                float v = n.floatValue();
                if (!Float.isFinite(v)) {
                    throw notFinite(g, v);
                }
                g.writeNumber(v);
            }
            default -> JsonCodec.writeByMapper(g, n);
        }
    }

    private static IllegalArgumentException notFinite(JsonGenerator g, Object v) {
        return new IllegalArgumentException("JSON numbers must be finite, was " + v + " (at "
                + g.getOutputContext().pathAsPointer() + ")");
    }

    /**
     * The same text as {@link Instant#toString()}, from a per-thread buffer. The canonical form is
     * ASCII digits and {@code -:T.Z}, nothing to escape, so it goes out as ready UTF-8.
     */
    static void writeInstant(JsonGenerator g, Instant t) throws IOException {
        Stamp b = STAMP.get();
        int n = Timestamps.renderInto(t, b.chars);
        if (n < 0) {
            g.writeString(Timestamps.format(t));
            return;
        }
        for (int i = 0; i < n; i++) {
            b.bytes[i] = (byte) b.chars[i];
        }
        g.writeRawUTF8String(b.bytes, 0, n);
    }

    private static final class Stamp {
        final char[] chars = new char[32];
        final byte[] bytes = new byte[32];
    }
}
