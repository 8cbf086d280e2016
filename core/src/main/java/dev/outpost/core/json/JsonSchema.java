package dev.outpost.core.json;

import dev.outpost.Json;
import com.fasterxml.jackson.databind.JsonNode;
import dev.outpost.core.internal.OrgJson;
import dev.outpost.core.internal.Rfc3339;
import dev.outpost.core.internal.SchemaFastPath;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import org.everit.json.schema.Schema;
import org.everit.json.schema.ValidationException;
import org.everit.json.schema.loader.SchemaClient;
import org.everit.json.schema.loader.SchemaLoader;

/**
 * A compiled draft-07 JSON Schema. Thread-safe; compile once, validate many times.
 *
 * <p>Remote {@code $ref}s are refused: a schema must be self-contained, so that validating never
 * reaches the network.
 */
public final class JsonSchema {
    private static final SchemaClient NO_REMOTE = url -> {
        throw new UncheckedIOException(new IOException("remote $ref '" + url + "' refused: schemas must be self-contained"));
    };

    private final Schema schema;
    private final JsonNode source;
    /** Checks on the Jackson tree that can only say "valid"; everit decides (and words) the rest. */
    private final Optional<SchemaFastPath> fast;

    private JsonSchema(Schema schema, JsonNode source) {
        this.schema = schema;
        this.source = source;
        this.fast = SchemaFastPath.compile(source);
    }

    /**
     * Compiles a schema.
     *
     * @throws IllegalArgumentException when it is not a valid schema
     */
    public static JsonSchema of(JsonNode schema) {
        Objects.requireNonNull(schema, "schema");
        if (!schema.isObject()) {
            throw new IllegalArgumentException("a schema must be a JSON object, was " + schema.getNodeType());
        }
        try {
            Schema compiled = SchemaLoader.builder()
                    .schemaClient(NO_REMOTE)
                    .draftV7Support()
                    .enableOverrideOfBuiltInFormatValidators()
                    .addFormatValidator(new Rfc3339())
                    .useDefaults(false)
                    .schemaJson(OrgJson.convert(schema))
                    .build()
                    .load()
                    .build();
            return new JsonSchema(compiled, schema.deepCopy());
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("invalid JSON Schema: " + e.getMessage(), e);
        }
    }

    /** Loads and compiles a schema from a class-path resource. */
    public static JsonSchema ofResource(Class<?> anchor, String resource) {
        try (InputStream in = anchor.getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalArgumentException("no schema resource " + resource + " next to " + anchor.getName());
            }
            return of(Json.reader().readTree(in));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The schema as JSON. */
    public JsonNode source() {
        return source.deepCopy();
    }

    /** Every violation of the schema by {@code document}, as "#/pointer: message"; empty when valid. */
    public List<String> violations(JsonNode document) {
        return fastAccepts(document) ? List.of() : referenceViolations(document);
    }

    /** everit's verdict alone: the reference the fast path is tested against. */
    List<String> referenceViolations(JsonNode document) {
        try {
            schema.validate(OrgJson.convert(document));
            return List.of();
        } catch (ValidationException e) {
            List<String> out = new ArrayList<>();
            collect(e, out);
            return out;
        }
    }

    /** Whether the compiled fast path alone finds {@code document} valid (false: ask {@link #violations}). */
    boolean fastAccepts(JsonNode document) {
        return fast.isPresent() && fast.get().accepts(document);
    }

    /** Whether {@code document} is valid. */
    public boolean accepts(JsonNode document) {
        return violations(document).isEmpty();
    }

    private static void collect(ValidationException e, List<String> out) {
        if (e.getCausingExceptions().isEmpty()) {
            out.add(e.getMessage());
        } else {
            for (ValidationException cause : e.getCausingExceptions()) {
                collect(cause, out);
            }
        }
    }
}
