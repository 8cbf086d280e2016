package dev.outpost.kv;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.outpost.kv.internal.Wire;
import dev.outpost.spi.Registry;
import dev.outpost.spi.RegistryEntry;
import dev.outpost.spi.RegistryKeys;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.util.List;
import java.util.Objects;

/**
 * Writes a {@link Registry}'s live entries as JSON lines, one
 * {@code {"key","value","version","updatedAt","expiresAt","updatedBy"}} object per line in key
 * order: the format {@link RegistryImport} reads. Works on any registry; a {@link SqliteRegistry}
 * with no prefixes given writes every entry from one snapshot.
 *
 * <pre>{@code
 * try (Writer out = Files.newBufferedWriter(Path.of("svc.jsonl"))) {
 *     RegistryExport.write(registry, out, "svc/");
 * }
 * }</pre>
 */
public final class RegistryExport {
    private RegistryExport() {}

    /**
     * Writes the live entries under {@code prefixes} (each {@code NAMESPACE/...}; none: every entry,
     * which only a {@link SqliteRegistry} can list) to {@code out} and flushes it.
     *
     * @return how many entries were written
     * @throws IllegalArgumentException when no prefix is given for a registry that cannot list everything
     */
    public static long write(Registry registry, Writer out, String... prefixes) {
        Objects.requireNonNull(registry, "registry");
        Objects.requireNonNull(out, "out");
        for (String p : prefixes) {
            RegistryKeys.checkPrefix(p);
        }
        long n;
        if (prefixes.length == 0) {
            if (!(registry instanceof SqliteRegistry sqlite)) {
                throw new IllegalArgumentException("name the prefixes to export (listings never cross namespaces); only a"
                        + " SqliteRegistry exports everything");
            }
            n = sqlite.forEachLive(e -> line(out, e));
        } else {
            n = 0;
            for (String p : covering(prefixes)) {
                List<RegistryEntry> all = registry.list(p);
                for (RegistryEntry e : all) {
                    line(out, e);
                }
                n += all.size();
            }
        }
        try {
            out.flush();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return n;
    }

    /**
     * The prefixes without those another one covers ({@code svc/app/} under {@code svc/}, a repeat):
     * each entry is written once, since an import refuses a key written twice.
     */
    private static List<String> covering(String... prefixes) {
        List<String> sorted = new java.util.ArrayList<>(new java.util.TreeSet<>(List.of(prefixes)));
        List<String> out = new java.util.ArrayList<>();
        for (String p : sorted) {
            // in sorted order a prefix comes right after the ones it extends
            if (out.isEmpty() || !p.startsWith(out.get(out.size() - 1))) {
                out.add(p);
            }
        }
        return out;
    }

    /** One entry as one export line (without the newline). */
    static String line(RegistryEntry e) {
        ObjectNode line = Wire.JSON.createObjectNode();
        line.put("key", e.key());
        line.set("value", e.value());
        line.put("version", e.version());
        line.put("updatedAt", e.updatedAt().toString());
        e.expiresAt().ifPresent(x -> line.put("expiresAt", x.toString()));
        e.updatedBy().ifPresent(x -> line.put("updatedBy", x));
        try {
            return Wire.JSON.writeValueAsString(line);
        } catch (JsonProcessingException ex) {
            throw new IllegalStateException(ex);
        }
    }

    private static void line(Writer out, RegistryEntry e) {
        try {
            out.write(line(e));
            out.write('\n');
        } catch (IOException ex) {
            throw new UncheckedIOException(ex);
        }
    }
}
