package dev.outpost.host;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.outpost.CollectorException;
import dev.outpost.Request;
import dev.outpost.host.internal.BoundedOpen;
import dev.outpost.host.internal.Settings;
import dev.outpost.host.internal.Threads;
import dev.outpost.Json;
import dev.outpost.spi.Collector;
import dev.outpost.spi.CollectorContext;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SeekableByteChannel;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ThreadFactory;

/**
 * {@code host.file}: reads a file, or its tail, under allow-listed paths.
 *
 * <p>Params: {@code path} (absolute, required), {@code mode} ({@code read} (default) or
 * {@code tail}), {@code lines} (tail: the last N lines, default 100, at most 10000),
 * {@code maxBytes} (at most the setting; default the setting).
 *
 * <p>Result: {@code {"path", "realPath", "sizeBytes", "modifiedAt", "mode", "content", "bytesRead",
 * "truncated"}}. {@code content} is UTF-8 text (bad bytes replaced). {@code read} returns the first
 * {@code maxBytes}; {@code tail} the last lines within the last {@code maxBytes}.
 *
 * <p>Settings ({@code outpost.collectors.host.file.*}): {@code allow-paths} (comma-separated
 * absolute files or directories; nothing is readable without it), {@code max-bytes} (1048576).
 *
 * <p>Checks: the requested path is made real (every symlink resolved) and must lie under the real
 * form of an allowed path; it must be a regular file (no devices, FIFOs, directories). The file is
 * then opened without following a final symlink, and the real path is computed again after opening
 * and must be the same, so swapping in a symlink between check and open is caught. Refusals are
 * permanent errors: {@code path-not-allowed}, {@code not-a-file}, {@code not-found},
 * {@code bad-params}, {@code bad-settings}; read failures are {@code io-failed} (retryable).
 */
public final class FileCollector implements Collector {
    /** The collector's name. */
    public static final String NAME = "host.file";
    /** Default and largest {@code max-bytes}. */
    public static final long DEFAULT_MAX_BYTES = 1024 * 1024;
    private static final JsonNode SCHEMA = Json.parse("""
            {"type": "object", "additionalProperties": false, "required": ["path"],
             "properties": {
               "path": {"type": "string", "minLength": 1, "maxLength": 4096},
               "mode": {"enum": ["read", "tail"]},
               "lines": {"type": "integer", "minimum": 1, "maximum": 10000},
               "maxBytes": {"type": "integer", "minimum": 1}}}""");

    /** Runs between the checks and the open (tests: a file swapped meanwhile). */
    private final java.util.function.Consumer<Path> beforeOpen;
    private final Optional<ThreadFactory> threadFactory;

    /** A collector reading its allowed paths from settings (found by {@code ServiceLoader}). */
    public FileCollector() {
        this(p -> { }, Optional.empty());
    }

    /**
     * A collector whose threads come from {@code threadFactory}: each read opens its file on a
     * thread of its own (a FIFO swapped in would hold the open for ever, past the deadline), and a
     * file whose size reads 0 ({@code /proc}, {@code /sys}) is read on another, for a read may block
     * too. By default those threads are daemons named {@code outpost-host-file-open} and
     * {@code outpost-host-file-read}.
     */
    public FileCollector(ThreadFactory threadFactory) {
        this(p -> { }, Optional.of(Objects.requireNonNull(threadFactory, "threadFactory")));
    }

    FileCollector(java.util.function.Consumer<Path> beforeOpen) {
        this(beforeOpen, Optional.empty());
    }

    private FileCollector(java.util.function.Consumer<Path> beforeOpen, Optional<ThreadFactory> threadFactory) {
        this.beforeOpen = beforeOpen;
        this.threadFactory = threadFactory;
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public String description() {
        return "reads or tails a file under allow-listed paths, size-capped";
    }

    @Override
    public JsonNode paramsSchema() {
        return SCHEMA.deepCopy();
    }

    @Override
    public Object collect(Request request, CollectorContext context) throws Exception {
        Settings settings = new Settings(context.settings());
        long cap = settings.longValue("max-bytes", DEFAULT_MAX_BYTES, 1, 64L * 1024 * 1024);
        List<Path> allowed = new ArrayList<>();
        for (String a : settings.list("allow-paths")) {
            Path p = Path.of(a);
            if (!p.isAbsolute()) {
                throw Settings.bad("allow-paths", "'" + a + "' is not absolute");
            }
            try {
                allowed.add(p.toRealPath());
            } catch (IOException e) {
                // an allowed path that does not exist allows nothing
            }
        }
        JsonNode params = request.params();
        String requested = params.get("path").asText();
        if (requested.indexOf('\0') >= 0) {
            throw CollectorException.permanent("bad-params", "path contains a NUL character");
        }
        Path path;
        try {
            path = Path.of(requested);
        } catch (java.nio.file.InvalidPathException e) {
            throw CollectorException.permanent("bad-params", "path is not a valid path");
        }
        if (!path.isAbsolute()) {
            throw CollectorException.permanent("bad-params", "path must be absolute");
        }
        long maxBytes = params.has("maxBytes") ? params.get("maxBytes").asLong() : cap;
        if (maxBytes > cap) {
            throw CollectorException.permanent("bad-params", "maxBytes " + maxBytes + " is above the limit of " + cap);
        }
        Path real;
        try {
            real = path.toRealPath();
        } catch (IOException e) {
            // missing, a file on the way, no permission, a loop: say the same as for a present file
            // outside the allow-list, so that a caller cannot probe outside it
            throw allowedOrNotFound(path, allowed);
        }
        if (!isUnder(real, allowed)) {
            throw notAllowed();
        }
        BasicFileAttributes attrs = Files.readAttributes(real, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        if (!attrs.isRegularFile()) {
            throw CollectorException.permanent("not-a-file", "'" + requested + "' is not a regular file");
        }
        boolean tail = "tail".equals(params.path("mode").asText("read"));
        int lines = params.path("lines").asInt(100);
        beforeOpen.accept(real);
        SeekableByteChannel opened;
        try {
            // a FIFO swapped in since the check would hold an open for ever: bounded by the run's deadline
            opened = BoundedOpen.open(real, context.remaining(), threadFactory);
        } catch (BoundedOpen.TimedOut t) {
            throw t.regularFile() ? CollectorException.retryable("io-failed", "could not open '" + requested + "' before the deadline")
                    : CollectorException.permanent("not-a-file", "'" + requested + "' is not a regular file");
        } catch (IOException e) {
            throw readFailed(e, requested);
        }
        try (SeekableByteChannel ch = opened) {
            // re-check after opening: a directory on the way may have become a symlink meanwhile
            if (!real.equals(real.toRealPath()) || !isUnder(real.toRealPath(), allowed)) {
                throw notAllowed();
            }
            long size = ch.size();
            ByteBuffer buf;
            boolean truncated;
            if (size == 0) {
                // procfs and sysfs files say 0 whatever they hold: read to the end instead (an empty file ends at once)
                Streamed s = streamedWithin(ch, maxBytes, tail, context.remaining(), requested);
                buf = ByteBuffer.wrap(s.bytes());
                truncated = s.cut();
            } else {
                long start = tail ? Math.max(0, size - maxBytes) : 0;
                buf = ByteBuffer.allocate((int) Math.min(maxBytes, size - start));
                ch.position(start);
                while (buf.hasRemaining() && ch.read(buf) > 0) {
                    // read to the cap
                }
                buf.flip();
                truncated = tail ? start > 0 : size > maxBytes;
            }
            int want = buf.remaining();
            String text = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPLACE)
                    .onUnmappableCharacter(CodingErrorAction.REPLACE).decode(buf).toString();
            if (tail) {
                text = lastLines(text, lines, truncated);
            }
            ObjectNode r = JsonNodeFactory.instance.objectNode();
            r.put("path", requested);
            r.put("realPath", real.toString());
            r.put("sizeBytes", size);
            r.put("modifiedAt", attrs.lastModifiedTime().toInstant().toString());
            r.put("mode", tail ? "tail" : "read");
            r.put("content", text);
            r.put("bytesRead", want);
            r.put("truncated", truncated);
            return r;
        } catch (IOException e) {
            throw readFailed(e, requested);
        }
    }

    private record Streamed(byte[] bytes, boolean cut) {}

    /**
     * {@link #streamed} on a thread of its own, given up on at the deadline: a pseudo-file may block
     * ({@code /proc/kmsg}, a tracing pipe, a FIFO with a silent writer swapped in after the check).
     * Closing the channel then ends the blocked read, and the thread with it.
     */
    private Streamed streamedWithin(SeekableByteChannel ch, long maxBytes, boolean tail, java.time.Duration within,
            String requested) throws IOException, InterruptedException {
        java.util.concurrent.CompletableFuture<Streamed> done = new java.util.concurrent.CompletableFuture<>();
        Threads.newThread(threadFactory, () -> {
            try {
                done.complete(streamed(ch, maxBytes, tail));
            } catch (Throwable t) {
                done.completeExceptionally(t);
            }
        }, "outpost-host-file-read").start();
        long nanos = within.compareTo(java.time.Duration.ofDays(36_500)) > 0 ? Long.MAX_VALUE : Math.max(0, within.toNanos());
        try {
            return done.get(nanos, java.util.concurrent.TimeUnit.NANOSECONDS);
        } catch (java.util.concurrent.ExecutionException e) {
            if (e.getCause() instanceof IOException io) {
                throw io;
            }
            throw new IllegalStateException(e.getCause());
        } catch (java.util.concurrent.TimeoutException | InterruptedException e) {
            ch.close();
            if (e instanceof InterruptedException ie) {
                throw ie;
            }
            throw CollectorException.retryable("io-failed", "could not read '" + requested + "' before the deadline");
        }
    }

    /**
     * Reads a channel of unknown size from where it is: the first {@code maxBytes} (read), or the
     * last (tail, holding at most twice the cap while it reads); {@code cut} when more was there.
     */
    private static Streamed streamed(SeekableByteChannel ch, long maxBytes, boolean tail) throws IOException {
        java.io.ByteArrayOutputStream kept = new java.io.ByteArrayOutputStream();
        ByteBuffer chunk = ByteBuffer.allocate(8192);
        boolean cut = false;
        int n;
        while ((n = ch.read(chunk.clear())) >= 0) {
            kept.write(chunk.array(), 0, n);
            if (kept.size() > maxBytes) {
                cut = true;
                if (!tail) {
                    break;
                }
                if (kept.size() >= 2 * maxBytes) {
                    byte[] all = kept.toByteArray();
                    kept.reset();
                    kept.write(all, (int) (all.length - maxBytes), (int) maxBytes);
                }
            }
        }
        byte[] all = kept.toByteArray();
        int keep = (int) Math.min(all.length, maxBytes);
        return new Streamed(tail ? java.util.Arrays.copyOfRange(all, all.length - keep, all.length)
                : java.util.Arrays.copyOf(all, keep), cut);
    }

    private static CollectorException readFailed(IOException e, String requested) {
        if (e instanceof java.nio.file.FileSystemLoopException || e.getMessage() != null && e.getMessage().contains("symbolic")) {
            return notAllowed();
        }
        return CollectorException.retryable("io-failed", "could not read '" + requested + "': " + e.getClass().getSimpleName());
    }

    private static String lastLines(String text, int lines, boolean cutAtStart) {
        String body = text.endsWith("\n") ? text.substring(0, text.length() - 1) : text;
        int at = body.length();
        int found = 0;
        while (found < lines) {
            int nl = body.lastIndexOf('\n', at - 1);
            if (nl < 0) {
                // the first line may be partial when the read started mid-file: drop it
                return cutAtStart && found > 0 ? text.substring(at + 1) : text;
            }
            at = nl;
            found++;
        }
        return text.substring(at + 1);
    }

    private static boolean isUnder(Path real, List<Path> allowed) {
        for (Path a : allowed) {
            if (real.startsWith(a)) {
                return true;
            }
        }
        return false;
    }

    /**
     * {@code not-found} only when the nearest ancestor of {@code path} that exists is, made real,
     * under an allowed path and nothing after it climbs ({@code ..}); a lexical check would trust a
     * symlink on the way out of the allow-list.
     */
    private static CollectorException allowedOrNotFound(Path path, List<Path> allowed) {
        for (Path dir = path.getParent(); dir != null; dir = dir.getParent()) {
            Path real;
            try {
                real = dir.toRealPath();
            } catch (IOException e) {
                continue;
            }
            for (Path part : dir.relativize(path)) {
                if (part.toString().equals("..")) {
                    return notAllowed();
                }
            }
            return isUnder(real, allowed) ? CollectorException.permanent("not-found", "no such file") : notAllowed();
        }
        return notAllowed();
    }

    private static CollectorException notAllowed() {
        return CollectorException.permanent("path-not-allowed", "the path is not under an allowed path (setting allow-paths)");
    }
}
