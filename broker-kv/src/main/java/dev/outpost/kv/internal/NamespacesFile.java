package dev.outpost.kv.internal;

import com.fasterxml.jackson.databind.JsonNode;
import dev.outpost.kv.NamespaceAccess;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;

/**
 * Reads a broker's namespace rules from their own file (it holds access keys, so it must be
 * owner-only, as ssh requires of key files):
 * {@code {"svc": {"readers": ["*"], "writers": ["ops"], "read-secret": "...", "write-secret": "..."}}}.
 */
public final class NamespacesFile {
    private NamespacesFile() {}

    /** The rules by namespace; problems are recorded under {@code key}. */
    public static Map<String, NamespaceAccess> read(Path file, String key, Settings problems) {
        Map<String, NamespaceAccess> out = new TreeMap<>();
        try {
            if (SqliteFiles.openToOthers(file)) {
                problems.problem(key, file + " holds access keys and is open to other users: chmod 600 " + file);
                return out;
            }
            JsonNode rules = Wire.JSON.readTree(Files.readString(file));
            if (rules == null || !rules.isObject()) {
                problems.problem(key, file + " is not a JSON object of namespaces");
                return out;
            }
            rules.fields().forEachRemaining(ns -> {
                try {
                    NamespaceAccess.Builder access = NamespaceAccess.builder();
                    ns.getValue().path("readers").forEach(sender -> access.readers(sender.asText()));
                    ns.getValue().path("writers").forEach(sender -> access.writers(sender.asText()));
                    if (ns.getValue().hasNonNull("read-secret")) {
                        access.readKey(ns.getValue().get("read-secret").asText());
                    }
                    if (ns.getValue().hasNonNull("write-secret")) {
                        access.writeKey(ns.getValue().get("write-secret").asText());
                    }
                    out.put(ns.getKey(), access.build());
                } catch (RuntimeException e) {
                    // the message never holds a secret (NamespaceAccess says only how long a key was)
                    problems.problem(key, "namespace '" + ns.getKey() + "' in " + file + ": " + e.getMessage());
                }
            });
        } catch (IOException e) {
            problems.problem(key, "cannot read " + file + ": " + e.getMessage().replaceAll("\\s+", " "));
        }
        return out;
    }
}
