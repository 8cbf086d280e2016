package dev.outpost.ops;

import dev.outpost.core.files.OwnerOnlyFiles;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.outpost.Json;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Clock;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.Objects;
import java.util.stream.Stream;

/**
 * Results as JSON lines, one owner-only file per UTC day ({@code DIR/YYYY-MM-DD.jsonl}, the
 * directory 0700): what the bot and the rules saw, kept for the {@link DailyExporter}, which reads
 * a day back as a stream ({@link #records}). Appends are serialised; a line is
 * {@code {"host":…,"collector":…,"at":…,"result":…}}. A line torn by a kill mid-append is skipped
 * when read (and logged); the lines around it are kept. Days older than the retention
 * ({@value #DEFAULT_KEEP_DAYS} days by default) are deleted when a new day's file is begun, so a
 * long-running bot does not fill its disk; keep them longer than the exporter may need to catch
 * up. Owns no thread.
 */
public final class ResultJournal implements ExportSource {
    /** Days of journal kept by default, today included. */
    public static final int DEFAULT_KEEP_DAYS = 30;
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(ResultJournal.class);
    private static final java.util.regex.Pattern DAY_FILE = java.util.regex.Pattern.compile("(\\d{4}-\\d{2}-\\d{2})\\.jsonl");
    private final Path dir;
    private final Clock clock;
    private final int keepDays;
    /** The day file this journal made owner-only last (guarded by this): checked once a day, not once a line. */
    private Path ownerOnly;

    /** A journal in {@code dir} (created 0700 on the first append). */
    public ResultJournal(Path dir) {
        this(dir, Clock.systemUTC());
    }

    /** A journal in {@code dir} dating lines by {@code clock}. */
    public ResultJournal(Path dir, Clock clock) {
        this(dir, clock, DEFAULT_KEEP_DAYS);
    }

    /**
     * A journal in {@code dir} dating lines by {@code clock} and keeping {@code keepDays} days
     * (today included).
     *
     * @throws IllegalArgumentException when {@code keepDays} is under 2 (yesterday is what the exporter reads)
     */
    public ResultJournal(Path dir, Clock clock, int keepDays) {
        this.dir = Objects.requireNonNull(dir, "dir");
        this.clock = Objects.requireNonNull(clock, "clock");
        if (keepDays < 2) {
            throw new IllegalArgumentException("a journal keeps at least 2 days (the exporter reads yesterday's), was " + keepDays);
        }
        this.keepDays = keepDays;
    }

    /** The journal's directory. */
    public Path directory() {
        return dir;
    }

    /**
     * Appends one host's result.
     *
     * @throws UncheckedIOException when the file cannot be written
     */
    public synchronized void append(String host, String collector, JsonNode result) {
        Instant now = clock.instant();
        ObjectNode line = JsonNodeFactory.instance.objectNode();
        line.put("host", host).put("collector", collector).put("at", now.toString());
        line.set("result", result);
        Path day = dir.resolve(LocalDate.ofInstant(now, ZoneOffset.UTC) + ".jsonl");
        try {
            OwnerOnlyFiles.createDirectories(dir);
            if (!exists(day)) {
                OwnerOnlyFiles.createFile(day);
                prune(LocalDate.ofInstant(now, ZoneOffset.UTC).minusDays(keepDays - 1L));
            } else if (!day.equals(ownerOnly)) {
                // a file left readable by others (a copy, a restore) must not go on collecting results
                OwnerOnlyFiles.narrow(day);
            }
            ownerOnly = day;
            // a line torn by a kill mid-append stays alone on its line rather than swallow this one
            String text = endsInNewline(day) ? line + "\n" : "\n" + line + "\n";
            Files.writeString(day, text, StandardCharsets.UTF_8, StandardOpenOption.APPEND, LinkOption.NOFOLLOW_LINKS);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot append to the journal " + day, e);
        }
    }

    /** The day's lines, read lazily (the caller closes the stream); empty when the day has no file. */
    @Override
    public Stream<JsonNode> records(LocalDate day) throws IOException {
        Path f = dir.resolve(day + ".jsonl");
        if (!exists(f)) {
            return Stream.empty();
        }
        // an InputStreamReader replaces bytes that are not UTF-8 (a character torn by a kill) instead of
        // failing the whole day as Files.lines does; the torn line is then not JSON and skipped below
        java.io.BufferedReader in = new java.io.BufferedReader(
                new java.io.InputStreamReader(Files.newInputStream(f, LinkOption.NOFOLLOW_LINKS), StandardCharsets.UTF_8));
        return in.lines().onClose(() -> {
            try {
                in.close();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }).filter(l -> !l.isBlank()).flatMap(l -> {
            try {
                return Stream.of(Json.parse(l));
            } catch (IllegalArgumentException torn) {
                // a line torn by a kill mid-append: it costs itself, not the day's export
                LOG.warn("journal {}: skipped a line that is not JSON ({} characters)", f, l.length());
                return Stream.empty();
            }
        });
    }

    /** Deletes the day files before {@code oldestKept}; a file that will not go is logged and left for the next day. */
    private void prune(LocalDate oldestKept) throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            for (Path f : (Iterable<Path>) files::iterator) {
                java.util.regex.Matcher m = DAY_FILE.matcher(f.getFileName().toString());
                try {
                    if (m.matches() && LocalDate.parse(m.group(1)).isBefore(oldestKept)) {
                        Files.deleteIfExists(f);
                    }
                } catch (java.time.format.DateTimeParseException | IOException e) {
                    LOG.warn("journal {}: could not remove {}: {}", dir, f.getFileName(), e.toString());
                }
            }
        }
    }

    /**
     * Whether the day file {@code f} exists; a symbolic link (or anything but a regular file) there is
     * refused, not followed: whoever could plant one would have results appended to, and exported from,
     * a file of their choosing.
     */
    private static boolean exists(Path f) throws IOException {
        if (!Files.exists(f, LinkOption.NOFOLLOW_LINKS)) {
            return false;
        }
        if (!Files.isRegularFile(f, LinkOption.NOFOLLOW_LINKS)) {
            throw new IOException(f + " is not a regular file (a symbolic link?); the journal does not follow it");
        }
        return true;
    }

    private static boolean endsInNewline(Path file) throws IOException {
        try (java.nio.channels.SeekableByteChannel ch =
                Files.newByteChannel(file, StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS)) {
            long size = ch.size();
            if (size == 0) {
                return true;
            }
            java.nio.ByteBuffer last = java.nio.ByteBuffer.allocate(1);
            ch.position(size - 1).read(last);
            return last.get(0) == '\n';
        }
    }
}
