package dev.outpost.core.json;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.outpost.Json;
import dev.outpost.Request;
import dev.outpost.core.internal.Rfc3339;
import dev.outpost.core.internal.Timestamps;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/**
 * A request read straight from the parser's tokens, for the common case: every field known, of
 * the type and within the limits the request schema sets, none twice, nothing after the document.
 * Anything else (a missing or unknown field, a null, a float where an integer goes, a string the
 * schema might refuse, a parse error) returns {@code null}, and the tree path, with the schema
 * check and its messages, decides. So what this accepts, the tree path accepts the same way.
 */
final class FastRequest {
    private static final Rfc3339 DATE_TIME = new Rfc3339();
    private static final int V = 1;
    private static final int ID = 2;
    private static final int COLLECTOR = 4;
    private static final int TARGET = 8;
    private static final int PARAMS = 16;
    private static final int REPLY_TO = 32;
    private static final int SENT_AT = 64;
    private static final int TTL = 128;
    private static final int ATTRIBUTES = 256;
    private static final int REQUIRED = V | ID | COLLECTOR | PARAMS | SENT_AT;

    private FastRequest() {}

    /** The request, or null when the tree path must decide. */
    static Request read(ObjectMapper mapper, byte[] body) {
        try (JsonParser p = mapper.getFactory().createParser(body)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                return null;
            }
            int seen = 0;
            int v = 0;
            String id = null;
            String collector = null;
            Optional<String> target = Optional.empty();
            ObjectNode params = null;
            Optional<String> replyTo = Optional.empty();
            Instant sentAt = null;
            Optional<Duration> ttl = Optional.empty();
            Map<String, String> attributes = Map.of();
            JsonToken t;
            while ((t = p.nextToken()) == JsonToken.FIELD_NAME) {
                String name = p.currentName();
                JsonToken value = p.nextToken();
                int field = switch (name) {
                    case "v" -> V;
                    case "id" -> ID;
                    case "collector" -> COLLECTOR;
                    case "target" -> TARGET;
                    case "params" -> PARAMS;
                    case "replyTo" -> REPLY_TO;
                    case "sentAt" -> SENT_AT;
                    case "ttl" -> TTL;
                    case "attributes" -> ATTRIBUTES;
                    default -> 0;
                };
                if (field == 0 || (seen & field) != 0) {
                    return null;
                }
                seen |= field;
                switch (field) {
                    case V -> {
                        if (value != JsonToken.VALUE_NUMBER_INT || p.getNumberType() != JsonParser.NumberType.INT
                                || p.getIntValue() < 1) {
                            return null;
                        }
                        v = p.getIntValue();
                    }
                    case ID -> {
                        id = string(p, value, 1, 128);
                        if (id == null) {
                            return null;
                        }
                    }
                    case COLLECTOR -> {
                        collector = value == JsonToken.VALUE_STRING ? p.getText() : null;
                        if (collector == null || !collectorName(collector)) {
                            return null;
                        }
                    }
                    case TARGET -> {
                        String s = string(p, value, 0, 8192);
                        if (s == null) {
                            return null;
                        }
                        target = Optional.of(s);
                    }
                    case PARAMS -> {
                        if (value != JsonToken.START_OBJECT) {
                            return null;
                        }
                        // read-only from the start: the request keeps it without a copy
                        params = (ObjectNode) Json.readReadOnlyTree(p).orElse(null);
                        if (params == null) {
                            return null;
                        }
                    }
                    case REPLY_TO -> {
                        String s = string(p, value, 1, 256);
                        if (s == null) {
                            return null;
                        }
                        replyTo = Optional.of(s);
                    }
                    case SENT_AT -> {
                        String s = value == JsonToken.VALUE_STRING ? p.getText() : null;
                        sentAt = s == null ? null : Timestamps.parseCanonical(s); // the usual form: one pass, no second check
                        if (sentAt == null) {
                            if (s == null || DATE_TIME.validate(s).isPresent()) {
                                return null;
                            }
                            sentAt = Timestamps.parse(s);
                        }
                    }
                    case TTL -> {
                        if (value != JsonToken.VALUE_NUMBER_INT || p.getNumberType() == JsonParser.NumberType.BIG_INTEGER
                                || p.getLongValue() < 1) {
                            return null;
                        }
                        ttl = Optional.of(Duration.ofMillis(p.getLongValue()));
                    }
                    default -> { // ATTRIBUTES
                        if (value != JsonToken.START_OBJECT) {
                            return null;
                        }
                        // one attribute (a trace id) is the common case: an immutable map the request need not copy
                        String firstKey = null;
                        String firstValue = null;
                        Map<String, String> out = null;
                        while (p.nextToken() == JsonToken.FIELD_NAME) {
                            String key = p.currentName();
                            if (p.nextToken() != JsonToken.VALUE_STRING) {
                                return null;
                            }
                            if (firstKey == null) {
                                firstKey = key;
                                firstValue = p.getText();
                            } else {
                                if (out == null) {
                                    out = new HashMap<>();
                                    out.put(firstKey, firstValue);
                                }
                                out.put(key, p.getText());
                            }
                        }
                        attributes = out != null ? out : firstKey != null ? Map.of(firstKey, firstValue) : Map.of();
                    }
                }
            }
            if (t != JsonToken.END_OBJECT || (seen & REQUIRED) != REQUIRED || p.nextToken() != null) {
                return null;
            }
            return new Request(v, id, collector, target, params, replyTo, sentAt, ttl, attributes);
        } catch (Exception e) { // the tree path reads it again and words the refusal
            return null;
        }
    }

    /** A string whose length, counted in chars and in code points, is within the bounds; else null. */
    static String string(JsonParser p, JsonToken value, int min, int max) throws java.io.IOException {
        if (value != JsonToken.VALUE_STRING) {
            return null;
        }
        String s = p.getText();
        int n = s.length();
        if (n > max || n < min || (min > 0 && s.codePointCount(0, n) < min)) {
            return null;
        }
        return s;
    }

    /** {@code ^[a-z0-9_][a-z0-9._-]{0,127}$}, without the line terminator {@code $} would also allow. */
    private static boolean collectorName(String s) {
        int n = s.length();
        if (n < 1 || n > 128) {
            return false;
        }
        for (int i = 0; i < n; i++) {
            char c = s.charAt(i);
            boolean ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || (i > 0 && (c == '.' || c == '-'));
            if (!ok) {
                return false;
            }
        }
        return true;
    }
}
