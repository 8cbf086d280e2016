package dev.outpost.kv.internal;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import dev.outpost.kv.NamespaceAccess;
import dev.outpost.spi.RegistryException;
import dev.outpost.spi.RegistryKeys;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;

/**
 * Reads a broker's namespace rules from their own file (it holds access keys, so it must be
 * owner-only, its owner and its directory's the process's user or root, in a directory others
 * cannot write, as ssh requires of key files):
 * {@code {"svc": {"readers": ["*"], "writers": ["ops"], "read-secret": "...", "write-secret": "..."}}}.
 */
public final class NamespacesFile {
    private static final java.util.List<String> FIELDS = java.util.List.of("readers", "writers", "read-secret", "write-secret");

    private NamespacesFile() {}

    private static java.util.List<String> senders(JsonNode rule, String field) {
        JsonNode list = rule.path(field);
        if (list.isMissingNode()) {
            return java.util.List.of();
        }
        java.util.List<String> out = new java.util.ArrayList<>();
        if (list.isArray()) {
            list.forEach(s -> out.add(s.isTextual() ? s.asText() : null));
        }
        if (!list.isArray() || out.contains(null)) {
            throw new IllegalArgumentException("'" + field + "' is a list of sender names or key ids");
        }
        return out;
    }

    /** The rules by namespace; problems are recorded under {@code key}. */
    public static Map<String, NamespaceAccess> read(Path file, String key, Settings problems) {
        Map<String, NamespaceAccess> out = new TreeMap<>();
        try {
            java.util.Optional<String> unsafe = SecretFiles.problem(file, "access keys (the namespace rules)");
            if (unsafe.isPresent()) {
                problems.problem(key, unsafe.get());
                return out;
            }
            // a name given twice would be read as its last value, silently: the rule a reviewer reads first is not the one kept
            JsonNode rules = Wire.JSON.reader().with(com.fasterxml.jackson.core.JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
                    .readTree(Files.readString(file));
            if (rules == null || !rules.isObject()) {
                problems.problem(key, file + " is not a JSON object of namespaces");
                return out;
            }
            rules.fields().forEachRemaining(ns -> {
                try {
                    // a rule that could never match (a bad namespace, a misspelt field, a list written as
                    // one string) fails closed anyway, but silently: the operator is told instead
                    RegistryKeys.checkPrefix(ns.getKey() + "/");
                    if (!ns.getValue().isObject()) {
                        throw new IllegalArgumentException("a rule is a JSON object");
                    }
                    ns.getValue().fieldNames().forEachRemaining(f -> {
                        if (!FIELDS.contains(f)) {
                            throw new IllegalArgumentException("unknown field '" + f + "' (the fields are " + FIELDS + ")");
                        }
                    });
                    NamespaceAccess.Builder access = NamespaceAccess.builder();
                    senders(ns.getValue(), "readers").forEach(access::readers);
                    senders(ns.getValue(), "writers").forEach(access::writers);
                    if (ns.getValue().hasNonNull("read-secret")) {
                        access.readKey(ns.getValue().get("read-secret").asText());
                    }
                    if (ns.getValue().hasNonNull("write-secret")) {
                        access.writeKey(ns.getValue().get("write-secret").asText());
                    }
                    out.put(ns.getKey(), access.build());
                } catch (RegistryException e) {
                    problems.problem(key, "namespace '" + ns.getKey() + "' in " + file + " is not a namespace: " + e.getMessage());
                } catch (RuntimeException e) {
                    // the message never holds a secret (NamespaceAccess says only how long a key was)
                    problems.problem(key, "namespace '" + ns.getKey() + "' in " + file + ": " + e.getMessage());
                }
            });
        } catch (JsonProcessingException e) {
            // never the parser's message: it quotes the token it stopped at, which may be a secret
            JsonLocation at = e.getLocation();
            boolean twice = e.getOriginalMessage() != null && e.getOriginalMessage().startsWith("Duplicate field");
            problems.problem(key, "cannot read " + file + ": " + (twice ? "a namespace or field is given twice" : "not valid JSON")
                    + (at == null ? "" : " at line " + at.getLineNr() + ", column " + at.getColumnNr()));
        } catch (java.nio.file.NoSuchFileException e) {
            problems.problem(key, file + ": no such file"); // the JDK's message is the path alone
        } catch (IOException e) {
            problems.problem(key, "cannot read " + file + ": " + e.getMessage().replaceAll("\\s+", " "));
        }
        return out;
    }
}
