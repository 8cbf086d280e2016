package dev.outpost.kv;

import dev.outpost.ConfigException;
import dev.outpost.ShutdownResult;
import dev.outpost.core.lifecycle.Lifecycle;
import dev.outpost.kv.internal.Settings;
import dev.outpost.kv.internal.SqliteFiles;
import dev.outpost.spi.ConfigSource;
import dev.outpost.spi.Registry;
import dev.outpost.spi.RegistryException;
import dev.outpost.spi.RegistryKeys;
import java.io.IOException;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Periodic, verified backups of any {@link Registry} into one folder, with retention.
 *
 * <pre>{@code
 * try (RegistryBackups backups = RegistryBackups.builder(registry, Path.of("/var/lib/outpost/kv-backups"))
 *         .prefixes("svc/", "cfg/").every(Duration.ofHours(1)).keep(24).build().start()) {
 *     Path now = backups.backupNow();
 * }
 * }</pre>
 *
 * <p>Every {@link Builder#every} (1 h) a backup is written to {@code NAME-yyyyMMdd'T'HHmmssSSS'Z'.EXT.tmp},
 * verified, fsynced and renamed; the newest {@link Builder#keep} (24) are kept, older ones and
 * temporary files left by an interrupted backup are deleted. The folder is created {@code rwx------}
 * and every file {@code rw-------}: backups hold the registry's data. A {@link SqliteRegistry}'s
 * backup is a consistent copy of its database ({@code .db}, {@code VACUUM INTO}, writers go on,
 * checked with {@code integrity_check}; {@link SqliteRegistry#restore} puts one back); any other
 * registry's is a {@link RegistryExport} of the given prefixes ({@code .jsonl}, read back by
 * {@link RegistryImport}). A {@code SqliteRegistry} built with {@code backups(folder)} owns one of
 * these and starts and stops it with itself.
 *
 * <p>One timer thread, from {@link Builder#threadFactory}, started by {@link #start()};
 * {@link #shutdown()} stops it. {@link #backupNow()} works whether or not the timer runs.
 */
public final class RegistryBackups implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(RegistryBackups.class);
    private static final DateTimeFormatter STAMP = DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmssSSS'Z'").withZone(ZoneOffset.UTC);
    /** The default period between backups. */
    public static final Duration DEFAULT_EVERY = Duration.ofHours(1);
    /** The default number of backups kept. */
    public static final int DEFAULT_KEEP = 24;

    private final Registry registry;
    private final Path folder;
    private final List<String> prefixes;
    private final Duration every;
    private final int keep;
    private final Clock clock;
    private final String base;
    private final String ext;
    private final Pattern name;
    private final Pattern leftover;
    private final Lifecycle lifecycle;
    private final Object lock = new Object();
    private final Object timerLock = new Object();
    /** Guarded by {@link #timerLock}: set by start(), read by the shutdown thread, which had no happens-before edge to it. */
    private ScheduledThreadPoolExecutor timer;
    private Instant last = Instant.EPOCH;

    private RegistryBackups(Registry registry, Path folder, List<String> prefixes, Duration every, int keep, Clock clock,
            String base, Optional<ThreadFactory> threads) {
        this.registry = registry;
        this.folder = folder.toAbsolutePath();
        this.prefixes = List.copyOf(prefixes);
        this.every = every;
        this.keep = keep;
        this.clock = clock;
        this.base = base;
        this.ext = registry instanceof SqliteRegistry ? ".db" : ".jsonl";
        String stamp = Pattern.quote(base) + "-\\d{8}T\\d{9}Z" + Pattern.quote(ext);
        this.name = Pattern.compile(stamp);
        this.leftover = Pattern.compile(stamp + "\\.tmp");
        this.lifecycle = new Lifecycle("RegistryBackups[" + this.folder + "]", "kv-backups", threads);
    }

    /** A builder for backups of {@code registry} into {@code folder}. */
    public static Builder builder(Registry registry, Path folder) {
        return new Builder(Optional.of(Objects.requireNonNull(registry, "registry")), folder);
    }

    /** The builder a {@link SqliteRegistry} completes with itself. */
    static Builder sqlite(Path folder) {
        return new Builder(Optional.empty(), folder);
    }

    /**
     * Starts the timer: the first backup after one period.
     *
     * @return this
     * @throws IllegalStateException when started before or shut down
     */
    public RegistryBackups start() {
        lifecycle.start();
        synchronized (timerLock) {
            if (lifecycle.stopped()) {
                return this; // a shutdown came in between: its stopper found no timer, so none is made that nothing stops
            }
            timer = new ScheduledThreadPoolExecutor(1, lifecycle.role("timer"));
            // saturated: a longer period, which the builder takes, threw 'long overflow' here with the backups marked started
            long ms = every.compareTo(Duration.ofMillis(Long.MAX_VALUE)) >= 0 ? Long.MAX_VALUE : every.toMillis();
            timer.scheduleAtFixedRate(this::scheduled, ms, ms, TimeUnit.MILLISECONDS);
        }
        return this;
    }

    /** Stops the timer (a backup being written is finished first). Idempotent: the same future every call. */
    public CompletableFuture<ShutdownResult> shutdown() {
        return lifecycle.shutdown(Duration.ofSeconds(70), () -> {
            ScheduledThreadPoolExecutor t;
            synchronized (timerLock) {
                t = timer;
            }
            if (t != null) {
                t.shutdown();
                try {
                    if (!t.awaitTermination(60, TimeUnit.SECONDS)) {
                        t.shutdownNow();
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        });
    }

    /** {@link #shutdown()} and wait. */
    @Override
    public void close() {
        lifecycle.closeAndReport(shutdown());
    }

    private void scheduled() {
        try {
            backupNow();
        } catch (Throwable t) {
            log.error("backup into {} failed; the next one is tried on schedule", folder, t);
        }
    }

    /** The backup folder. */
    public Path folder() {
        return folder;
    }

    /**
     * Writes a backup now, verifies it, applies retention and returns its path.
     *
     * @throws IllegalStateException after shutdown
     */
    public Path backupNow() {
        if (lifecycle.stopped()) {
            throw new IllegalStateException("RegistryBackups[" + folder + "] was shut down");
        }
        synchronized (lock) {
            Instant at = clock.instant().truncatedTo(ChronoUnit.MILLIS); // what the name holds
            if (!at.isAfter(last)) {
                at = last.plusMillis(1); // names stay unique and ordered even on a stopped clock
            }
            last = at;
            Path target = folder.resolve(base + "-" + STAMP.format(at) + ext);
            Path tmp = target.resolveSibling(target.getFileName() + ".tmp");
            try {
                SqliteFiles.createOwnerOnlyDirectory(folder);
                if (SqliteFiles.openToOthers(folder)) {
                    log.warn("backup folder {} is open to other users; backups hold the registry's data: chmod 700 it", folder);
                }
                Files.deleteIfExists(tmp);
                long count = write(tmp);
                SqliteFiles.fsync(tmp);
                try {
                    Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
                } catch (AtomicMoveNotSupportedException e) {
                    Files.move(tmp, target);
                }
                SqliteFiles.fsyncDirectory(folder);
                log.info("backup {} written and verified ({} rows)", target, count);
            } catch (IOException e) {
                throw new RegistryException.Unavailable("", "backup to " + target + " failed: " + e.getMessage(), e);
            } finally {
                try {
                    Files.deleteIfExists(tmp);
                } catch (IOException e) {
                    log.warn("cannot remove {}", tmp, e);
                }
            }
            prune();
            return target;
        }
    }

    private long write(Path tmp) throws IOException {
        if (registry instanceof SqliteRegistry sqlite) {
            return sqlite.backupTo(tmp);
        }
        SqliteFiles.createOwnerOnly(tmp);
        try (Writer out = Files.newBufferedWriter(tmp, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
            RegistryExport.write(registry, out, prefixes.toArray(String[]::new));
        }
        try (Reader in = Files.newBufferedReader(tmp)) {
            return RegistryImport.read(in, SqliteRegistry.MAX_VALUE_BYTES_LIMIT, clock).size();
        }
    }

    /** The backups in the folder, newest first. */
    public List<Path> list() {
        List<Path> out = new ArrayList<>();
        if (!Files.isDirectory(folder)) {
            return out;
        }
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(folder)) {
            for (Path p : ds) {
                if (name.matcher(p.getFileName().toString()).matches()) {
                    out.add(p);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        out.sort((a, b) -> b.getFileName().toString().compareTo(a.getFileName().toString()));
        return out;
    }

    /** Deletes backups beyond the newest {@code keep}, and temporary files of interrupted backups. */
    private void prune() {
        List<Path> all = list();
        List<Path> doomed = new ArrayList<>(all.subList(Math.min(keep, all.size()), all.size()));
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(folder)) {
            for (Path p : ds) {
                // under the lock no backup of ours is in progress: a temporary file is a leftover
                if (leftover.matcher(p.getFileName().toString()).matches()) {
                    doomed.add(p);
                }
            }
        } catch (IOException e) {
            log.warn("cannot list {}", folder, e);
        }
        for (Path old : doomed) {
            try {
                Files.deleteIfExists(old);
            } catch (IOException e) {
                log.warn("cannot remove old backup {}", old, e);
            }
        }
    }

    /**
     * Builds {@link RegistryBackups}. Values set by a method win over {@link #configure
     * configuration} ({@code outpost.broker.backup-every}, {@code outpost.broker.backup-keep}).
     */
    public static final class Builder {
        private final Optional<Registry> registry;
        private final Path folder;
        private final List<String> prefixes = new ArrayList<>();
        private Optional<Duration> every = Optional.empty();
        private Optional<Integer> keep = Optional.empty();
        private Clock clock = Clock.systemUTC();
        private Optional<String> name = Optional.empty();
        private Optional<ThreadFactory> threadFactory = Optional.empty();
        private Optional<ConfigSource> config = Optional.empty();

        Builder(Optional<Registry> registry, Path folder) {
            this.registry = registry;
            this.folder = Objects.requireNonNull(folder, "folder");
        }

        /** The prefixes to back up ({@code NAMESPACE/...}); required unless the registry is a {@link SqliteRegistry}. */
        public Builder prefixes(String... prefixes) {
            for (String p : prefixes) {
                this.prefixes.add(RegistryKeys.checkPrefix(p));
            }
            return this;
        }

        /** The period between backups (default 1 h; at least 1 s). */
        public Builder every(Duration period) {
            if (period.compareTo(Duration.ofSeconds(1)) < 0) {
                throw new IllegalArgumentException("every must be at least 1 s, was " + period);
            }
            this.every = Optional.of(period);
            return this;
        }

        /** How many backups to keep, newest first (default {@value #DEFAULT_KEEP}). */
        public Builder keep(int count) {
            if (count < 1) {
                throw new IllegalArgumentException("keep must be at least 1, was " + count);
            }
            this.keep = Optional.of(count);
            return this;
        }

        /** The clock of backup names (default system UTC). */
        public Builder clock(Clock clock) {
            this.clock = Objects.requireNonNull(clock, "clock");
            return this;
        }

        /** The file name's first part (default: the database's name, else {@code registry}). */
        public Builder name(String name) {
            if (!name.matches("[A-Za-z0-9._-]{1,64}")) {
                throw new IllegalArgumentException("name must be 1 to 64 of [A-Za-z0-9._-], was '" + name + "'");
            }
            this.name = Optional.of(name);
            return this;
        }

        /** Makes the timer thread. */
        public Builder threadFactory(ThreadFactory threadFactory) {
            this.threadFactory = Optional.of(Objects.requireNonNull(threadFactory, "threadFactory"));
            return this;
        }

        /** Takes {@code outpost.broker.backup-every} and {@code outpost.broker.backup-keep} for what no method set. */
        public Builder configure(ConfigSource config) {
            this.config = Optional.of(Objects.requireNonNull(config, "config"));
            return this;
        }

        /**
         * The backups, not started; nothing is created until the first backup.
         *
         * @throws ConfigException listing every problem
         */
        public RegistryBackups build() {
            return build(registry.orElseThrow(), threadFactory);
        }

        RegistryBackups build(SqliteRegistry owner, Lifecycle ownerThreads) {
            return build(owner, Optional.of(ownerThreads.role("backup")));
        }

        private RegistryBackups build(Registry r, Optional<ThreadFactory> threads) {
            Settings s = new Settings(config);
            Duration e = s.duration(every, "outpost.broker.backup-every", DEFAULT_EVERY, Duration.ofSeconds(1));
            int k = s.integer(keep, "outpost.broker.backup-keep", DEFAULT_KEEP, 1, 100_000);
            if (prefixes.isEmpty() && !(r instanceof SqliteRegistry)) {
                s.problem("prefixes", "name the prefixes to back up: " + r + " cannot list every namespace");
            }
            s.check();
            String base = name.orElseGet(() -> {
                if (r instanceof SqliteRegistry sqlite) {
                    String f = sqlite.file().getFileName().toString();
                    return f.endsWith(".db") ? f.substring(0, f.length() - 3) : f;
                }
                return "registry";
            });
            return new RegistryBackups(r, folder, prefixes, e, k, clock, base, threads);
        }
    }
}
