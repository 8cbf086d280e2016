package dev.outpost.core.json;

import dev.outpost.Json;
import com.fasterxml.jackson.databind.JsonNode;
import dev.outpost.core.internal.OrgJson;
import dev.outpost.core.internal.RefLoops;
import dev.outpost.core.internal.Rfc3339;
import dev.outpost.core.internal.SchemaFastPath;
import dev.outpost.core.internal.SchemaRegex;
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
 * reaches the network. So are {@code $ref}s that lead to each other without going down the document.
 * Checking one document has a budget that grows with its size: a document that needs more (branches
 * of {@code anyOf}/{@code oneOf}/{@code allOf} that each recurse) is refused with a violation saying so.
 */
public final class JsonSchema {
    private static final SchemaClient NO_REMOTE = url -> {
        throw new UncheckedIOException(new IOException("remote $ref '" + url + "' refused: schemas must be self-contained"));
    };

    /**
     * Reads of one document's objects and arrays (each weighted by its depth, see {@link OrgJson.Budget}) allowed to
     * the reference validator: a base, {@link #READS_PER_NODE} more for each node, at most {@link #MOST_READS}. A read
     * costs everit about a microsecond or two, so the most a document can take is a few seconds, not 2^depth steps;
     * a 1 MiB result of 25,000 objects checked through a {@code $ref} takes about 1.4 million.
     */
    private static final long BASE_READS = 200_000;
    private static final long READS_PER_NODE = 20;
    private static final long MOST_READS = 4_000_000;

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
        // found per document, such a loop refused every request; it is the schema's fault, so it is found here
        RefLoops.find(schema).ifPresent(at -> {
            throw new IllegalArgumentException("invalid JSON Schema: its $refs lead to each other without end (through " + at
                    + "): it cannot accept any document that reaches them");
        });
        try {
            Schema compiled = SchemaLoader.builder()
                    .schemaClient(NO_REMOTE)
                    .draftV7Support()
                    .enableOverrideOfBuiltInFormatValidators()
                    .addFormatValidator(new Rfc3339())
                    .regexpFactory(new SchemaRegex())
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

    /**
     * Every violation of the schema by {@code document}, as "#/pointer: message"; empty when valid. A message does not
     * quote the value it refuses (a pattern's, an enum's, a limit's or a format's subject): violations are logged and
     * sent in the clear.
     */
    public List<String> violations(JsonNode document) {
        return fastAccepts(document) ? List.of() : referenceViolations(document);
    }

    /** everit's verdict alone: the reference the fast path is tested against. */
    List<String> referenceViolations(JsonNode document) {
        try {
            schema.validate(OrgJson.convert(document, new OrgJson.Budget(BASE_READS, READS_PER_NODE, MOST_READS)));
            return List.of();
        } catch (ValidationException e) {
            List<String> out = new ArrayList<>();
            collect(e, out);
            return out;
        } catch (SchemaRegex.TooCostly e) { // a value crafted to make a pattern backtrack: refused, not run for hours
            return List.of("#: " + e.getMessage());
        } catch (OrgJson.TooCostly e) { // branches that each recurse: 2^depth steps, refused past a budget
            return List.of("#: " + e.getMessage());
        } catch (StackOverflowError e) { // $ref loops are refused by of(): a document nested past what the stack holds
            return List.of("#: the document nests too deeply to check against the schema");
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
            out.add(e.getPointerToViolation() + ": " + withoutValue(e.getKeyword(), e.getErrorMessage()));
        } else {
            for (ValidationException cause : e.getCausingExceptions()) {
                collect(cause, out);
            }
        }
    }

    /**
     * The validator's message without the value it quotes where it quotes one: a violation is logged, answered and
     * put on a dead-letter copy in the clear, and the value may be what a sealed request kept secret. The schema's own
     * words (a pattern, a limit, a format) stay: the sender can read them in the collector's listing anyway.
     */
    static String withoutValue(String keyword, String message) {
        String m = message == null ? "" : message;
        return switch (keyword == null ? "" : keyword) {
            // "string [VALUE] does not match pattern P"
            case "pattern" -> after(m, " does not match pattern ", "does not match the schema's pattern");
            // "VALUE is not a valid enum value"
            case "enum" -> "is not one of the schema's enum values";
            case "const" -> "is not the schema's const value";
            // "VALUE is not less or equal to 3", "VALUE is not a multiple of 2"
            case "minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "multipleOf" -> after(m, " is not ", "violates " + keyword);
            // "[VALUE] is not a valid date-time (...)"
            case "format" -> after(m, " is not a valid ", "is not in the schema's format");
            default -> m.isEmpty() ? "violates " + (keyword == null ? "the schema" : keyword) : m;
        };
    }

    /** {@code m} from the last {@code phrase} on (its leading space dropped), which the value comes before. */
    private static String after(String m, String phrase, String otherwise) {
        int at = m.lastIndexOf(phrase);
        return at < 0 ? otherwise : m.substring(at + 1);
    }
}
