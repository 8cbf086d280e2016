package dev.outpost.spi;

import java.util.Arrays;
import java.util.Map;
import java.util.Objects;

/**
 * An opaque message as a transport moves it: a body and string attributes.
 *
 * <p>Messages are immutable: the body is copied on the way in and on the way out, and the
 * attributes are an unmodifiable copy.
 */
public final class Message {
    private final byte[] body;
    private final Map<String, String> attributes;

    private Message(byte[] body, Map<String, String> attributes) {
        this.body = body;
        this.attributes = attributes;
    }

    /** A message with the given body and attributes (both copied). */
    public static Message of(byte[] body, Map<String, String> attributes) {
        Objects.requireNonNull(body, "body");
        Objects.requireNonNull(attributes, "attributes");
        return new Message(body.clone(), Map.copyOf(attributes));
    }

    /** A message with the given body (copied) and no attributes. */
    public static Message of(byte[] body) {
        return of(body, Map.of());
    }

    /** A copy of the body. */
    public byte[] body() {
        return body.clone();
    }

    /** The body's length in bytes, without copying it. */
    public int size() {
        return body.length;
    }

    /** The attributes: never null, possibly empty, unmodifiable. */
    public Map<String, String> attributes() {
        return attributes;
    }

    /** This message with one more attribute (or one replaced). */
    public Message withAttribute(String name, String value) {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(value, "value");
        var copy = new java.util.HashMap<>(attributes);
        copy.put(name, value);
        return new Message(body, Map.copyOf(copy));
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Message m && Arrays.equals(body, m.body) && attributes.equals(m.attributes);
    }

    @Override
    public int hashCode() {
        return 31 * Arrays.hashCode(body) + attributes.hashCode();
    }

    @Override
    public String toString() {
        return "Message[" + body.length + " bytes, attributes=" + attributes.keySet() + "]";
    }
}
