package dev.outpost.ops.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import dev.outpost.Json;
import dev.outpost.core.files.OwnerOnlyFiles;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Iterator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The export's parts on local disk: owner-only temporary files of gzip-compressed JSON lines. */
public final class ExportParts {
    /** What S3 has ever accepted as a bucket name (its older rules, for buckets made under them, included). */
    public static final java.util.regex.Pattern BUCKET = java.util.regex.Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{1,253}[A-Za-z0-9]");

    private static final Logger LOG = LoggerFactory.getLogger("dev.outpost.ops.DailyExporter");
    private static final JsonMapper MAPPER = Json.newMapper();

    private ExportParts() {}

    /** A new owner-only (0600) temporary file in {@code dir}. */
    public static Path tempFile(Path dir) {
        try {
            return Files.createTempFile(dir, "outpost-export-", ".jsonl.gz", OwnerOnlyFiles.fileAttributes(dir));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create the export's temporary file in " + dir, e);
        }
    }

    public static void deleteQuietly(Path f) {
        try {
            Files.deleteIfExists(f);
        } catch (IOException e) {
            LOG.warn("could not remove the export's temporary file {}", f, e);
        }
    }

    /**
     * Writes up to {@code max} records as JSON lines, gzip-compressed with no time stamp in the
     * header, so the same records give the same bytes.
     */
    public static long writePart(Iterator<JsonNode> it, Path file, int max) {
        long n = 0;
        try (OutputStream gz = new java.util.zip.GZIPOutputStream(new BufferedOutputStream(Files.newOutputStream(file,
                // the file tempFile made: never created here, nor followed if a link took its place meanwhile
                StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING, LinkOption.NOFOLLOW_LINKS)), 1 << 16)) {
            while (n < max && it.hasNext()) {
                gz.write(MAPPER.writeValueAsBytes(it.next()));
                gz.write('\n');
                n++;
            }
        } catch (IOException e) {
            throw new UncheckedIOException("writing the export's temporary file " + file, e);
        }
        return n;
    }

    /** Sleeps {@code d}; false when interrupted (the flag set again). */
    public static boolean pause(java.time.Duration d) {
        try {
            java.util.concurrent.TimeUnit.NANOSECONDS.sleep(d.toNanos());
            return true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }
}
