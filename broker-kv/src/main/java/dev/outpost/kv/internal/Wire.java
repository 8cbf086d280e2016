package dev.outpost.kv.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.outpost.spi.RegistryEntry;
import java.time.Instant;
import java.util.Optional;

/** How registry entries travel in broker responses. */
public final class Wire {
    /** The one mapper of the broker's wire format. */
    public static final ObjectMapper JSON = dev.outpost.Json.newMapper();

    private Wire() {}

    /** An entry as a JSON object. */
    public static ObjectNode entry(RegistryEntry e) {
        ObjectNode o = JSON.createObjectNode();
        o.put("key", e.key());
        o.set("value", e.value());
        o.put("version", e.version());
        o.put("updatedAt", e.updatedAt().toString());
        e.expiresAt().ifPresent(x -> o.put("expiresAt", x.toString()));
        e.updatedBy().ifPresent(x -> o.put("updatedBy", x));
        if (e.deleted()) {
            o.put("deleted", true);
        }
        return o;
    }

    /** An entry from {@link #entry(RegistryEntry)}'s form. */
    public static RegistryEntry entry(JsonNode o) {
        return new RegistryEntry(o.get("key").asText(), o.get("value"), o.get("version").asLong(),
                Instant.parse(o.get("updatedAt").asText()),
                o.hasNonNull("expiresAt") ? Optional.of(Instant.parse(o.get("expiresAt").asText())) : Optional.empty(),
                o.path("deleted").asBoolean(false),
                o.hasNonNull("updatedBy") ? Optional.of(o.get("updatedBy").asText()) : Optional.empty());
    }

    /** Parses a draft-07 schema written inline. */
    public static JsonNode schema(String json) {
        try {
            return JSON.readTree(json);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
