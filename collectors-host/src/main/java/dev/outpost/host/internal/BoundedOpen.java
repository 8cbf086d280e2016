package dev.outpost.host.internal;

import java.io.IOException;
import java.nio.channels.SeekableByteChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Opens a file for reading, giving up at a deadline. The open is what can hang: a regular file
 * checked a moment ago may have been replaced by a FIFO, whose open waits for a writer, for ever
 * (Java has no O_NONBLOCK, and the open cannot be interrupted). So a thread of its own opens it;
 * past the deadline the caller gives up and, if a FIFO is there, opens it read-write (which never
 * waits) and keeps it open until that thread's open returned, so the thread goes and closes what it got.
 */
public final class BoundedOpen {
    /** The open did not finish in time; {@code regularFile} says whether a regular file is at the path now. */
    public static final class TimedOut extends Exception {
        private static final long serialVersionUID = 1L;
        private final boolean regularFile;

        TimedOut(boolean regularFile) {
            super("the open did not finish before the deadline", null, false, false);
            this.regularFile = regularFile;
        }

        public boolean regularFile() {
            return regularFile;
        }
    }

    private final Path path;
    private final CompletableFuture<SeekableByteChannel> opened = new CompletableFuture<>();
    private boolean openReturned; // guarded by this
    private SeekableByteChannel releaser; // guarded by this: held open until the opener's open returned

    private BoundedOpen(Path path) {
        this.path = path;
    }

    /**
     * Opens {@code path} (not following a final symlink) within {@code within}.
     *
     * @throws TimedOut past the deadline (nothing stays open for the caller)
     * @throws InterruptedException when interrupted while waiting (likewise)
     */
    public static SeekableByteChannel open(Path path, Duration within) throws IOException, InterruptedException, TimedOut {
        return open(path, within, Optional.empty());
    }

    /** {@link #open(Path, Duration)} with the opening thread from {@code threads} (default: {@code outpost-host-file-open}). */
    public static SeekableByteChannel open(Path path, Duration within, Optional<ThreadFactory> threads)
            throws IOException, InterruptedException, TimedOut {
        BoundedOpen o = new BoundedOpen(path);
        Threads.newThread(threads, o::openNow, "outpost-host-file-open").start();
        long nanos = within.compareTo(Duration.ofDays(36_500)) > 0 ? Long.MAX_VALUE : Math.max(0, within.toNanos());
        try {
            return o.opened.get(nanos, TimeUnit.NANOSECONDS);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof IOException io) {
                throw io;
            }
            throw new IllegalStateException(e.getCause());
        } catch (TimeoutException | InterruptedException e) {
            if (!o.opened.cancel(false)) {
                return o.opened.join(); // it opened just now after all
            }
            boolean regular = o.release();
            if (e instanceof InterruptedException ie) {
                throw ie;
            }
            throw new TimedOut(regular);
        }
    }

    private void openNow() {
        SeekableByteChannel ch = null;
        Throwable failed = null;
        try {
            ch = Files.newByteChannel(path, StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS);
        } catch (Throwable t) {
            failed = t;
        }
        synchronized (this) {
            openReturned = true;
            closeQuietly(releaser);
            releaser = null;
        }
        if (failed != null) {
            opened.completeExceptionally(failed);
        } else if (!opened.complete(ch)) {
            closeQuietly(ch); // given up on meanwhile
        }
    }

    /** Lets the opener go if a FIFO holds it; whether a regular file is at the path. */
    private boolean release() {
        BasicFileAttributes a;
        try {
            a = Files.readAttributes(path, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        } catch (IOException | RuntimeException e) {
            return false;
        }
        if (a.isOther()) {
            try {
                SeekableByteChannel w = Files.newByteChannel(path, StandardOpenOption.READ, StandardOpenOption.WRITE,
                        LinkOption.NOFOLLOW_LINKS);
                synchronized (this) {
                    if (openReturned) {
                        closeQuietly(w);
                    } else {
                        releaser = w; // the opener may not have reached its open yet: a writer must be there when it does
                    }
                }
            } catch (IOException | RuntimeException e) {
                // not ours to open: the opener (a daemon) stays until a writer comes
            }
        }
        return a.isRegularFile();
    }

    private static void closeQuietly(SeekableByteChannel ch) {
        if (ch != null) {
            try {
                ch.close();
            } catch (IOException ignored) {
                // closing anyway
            }
        }
    }
}
