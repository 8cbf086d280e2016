package dev.outpost.nacl;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Clock;
import java.time.Instant;
import java.util.Arrays;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Who may send sealed messages, in the spirit of ssh's {@code authorized_keys}. One sender a line:
 *
 * <pre>
 * # public key (base64)                         name    collectors it may run (optional, comma-separated)
 * 3q2+7w8RmQ8cX0o1N2n2...=                      alice   outpost.ping,disk.*
 * pZ1k8J0n0H6tJc2e8Ew3...=                      ops
 * </pre>
 *
 * <p>A file decides whom the host obeys, so it is held to ssh's StrictModes: it and its directory
 * (and, when the file is a symbolic link, the directories of every link on the way and of the
 * file it leads to) must belong to this process's user or root and be writable by nobody else
 * (reading is fine: the file holds public keys only). A list read from a file is checked again at most once a
 * second, on use (no thread), and reloaded when its contents, owner or mode change.
 *
 * <p><b>A failed reload fails closed.</b> When the file becomes unreadable, malformed, deleted or
 * writable by others, no sender is obeyed until a good file is back: keeping the previous list
 * would keep obeying a sender the operator just removed with an edit that went wrong. Messages
 * refused meanwhile are dead-lettered as {@code unknown-sender}, with a detail naming the file's
 * problem, and can be redriven. {@link #status()} tells whether the list is failing, since when,
 * why, and when it was last loaded. Replace the file atomically (write a new file, then rename it)
 * so that a reload never sees half an edit. Thread-safe.
 */
public final class KnownSenders {
    private static final Logger log = LoggerFactory.getLogger(KnownSenders.class);
    private static final long CHECK_MILLIS = 1_000;
    /** About 10,000 senders: more is a mistake (or an attack), and each reload reads it whole. */
    static final long MAX_FILE_BYTES = 1024 * 1024;

    /** What was last read: the senders in force and the attributes of the file they came from. */
    private record State(Map<NaclPublicKey, KnownSender> senders, Map<String, KnownSender> byName, Object fingerprint,
            Optional<Instant> loadedAt, Optional<String> lastError, Optional<Instant> lastErrorAt, boolean failing) {
        State(Map<NaclPublicKey, KnownSender> senders, Object fingerprint, Optional<Instant> loadedAt,
                Optional<String> lastError, Optional<Instant> lastErrorAt, boolean failing) {
            this(senders, byName(senders), fingerprint, loadedAt, lastError, lastErrorAt, failing);
        }

        private static Map<String, KnownSender> byName(Map<NaclPublicKey, KnownSender> senders) {
            Map<String, KnownSender> m = new HashMap<>();
            for (KnownSender s : senders.values()) {
                m.put(s.name(), s); // a name stands for one key: both ways of building a list refuse two
            }
            return Map.copyOf(m);
        }
    }

    private final Optional<Path> file;
    private final Clock clock;
    private volatile State state;
    private volatile long checkedAt;

    private KnownSenders(Optional<Path> file, Clock clock, State state) {
        this.file = file;
        this.clock = clock;
        this.state = state;
    }

    /**
     * A fixed list.
     *
     * @throws IllegalArgumentException when a key is listed twice with different names or collectors
     *     (as a file that lists a key twice is refused): which of them to obey is not for the list to guess; or when
     *     two keys have the same name, which stands for one sender
     */
    public static KnownSenders of(Collection<KnownSender> senders) {
        Map<NaclPublicKey, KnownSender> map = new HashMap<>();
        Map<String, KnownSender> byName = new HashMap<>();
        for (KnownSender s : senders) {
            KnownSender before = map.put(s.key(), s);
            if (before != null && !before.equals(s)) {
                throw new IllegalArgumentException("key " + s.key().keyIdHex() + " is listed twice, as '" + before.name()
                        + "' and as '" + s.name() + "'");
            }
            KnownSender named = byName.putIfAbsent(s.name(), s);
            if (named != null && !named.key().equals(s.key())) {
                throw new IllegalArgumentException(nameTwice(s.name()) + " (keys " + named.key().keyIdHex() + " and "
                        + s.key().keyIdHex() + ")");
            }
        }
        return new KnownSenders(Optional.empty(), Clock.systemUTC(),
                new State(Map.copyOf(map), "", Optional.empty(), Optional.empty(), Optional.empty(), false));
    }

    /** A fixed list. */
    public static KnownSenders of(KnownSender... senders) {
        return of(Arrays.asList(senders));
    }

    /**
     * A list read from {@code file} and reloaded when it changes.
     *
     * @throws KeyFileException when the file is missing, malformed, or writable by others now
     */
    public static KnownSenders load(Path file) {
        return load(file, Clock.systemUTC());
    }

    /**
     * A list read from {@code file} and reloaded when it changes, checked once a second by
     * {@code clock} (for tests).
     *
     * @throws KeyFileException when the file is missing, malformed, or writable by others now
     */
    public static KnownSenders load(Path file, Clock clock) {
        Objects.requireNonNull(file, "file");
        Objects.requireNonNull(clock, "clock");
        KnownSenders k = new KnownSenders(Optional.of(file), clock,
                new State(Map.of(), "", Optional.empty(), Optional.empty(), Optional.empty(), true));
        try {
            k.state = k.read(file, Optional.empty());
        } catch (java.nio.file.NoSuchFileException e) {
            throw new KeyFileException(file, "no such known-senders file; make one with: outpost senders add KEY --name NAME --file "
                    + file.toAbsolutePath(), e);
        } catch (IOException e) {
            throw new KeyFileException(file, "cannot read: " + e, e);
        }
        k.checkedAt = clock.millis();
        return k;
    }

    /** The sender with this key, if known. */
    public Optional<KnownSender> find(NaclPublicKey key) {
        refreshIfDue();
        return Optional.ofNullable(state.senders().get(key));
    }

    /** The sender known by this name, if any (a name stands for one key). */
    Optional<KnownSender> findByName(String name) {
        refreshIfDue();
        return Optional.ofNullable(state.byName().get(name));
    }

    /** Every known sender now. */
    public Set<KnownSender> all() {
        refreshIfDue();
        return Set.copyOf(state.senders().values());
    }

    /** Whether the list was loaded from a file and how its last reload went. */
    public KnownSendersStatus status() {
        refreshIfDue();
        State s = state;
        return new KnownSendersStatus(file, s.senders().size(), s.loadedAt(), s.failing(), s.lastError(), s.lastErrorAt());
    }

    private void refreshIfDue() {
        if (file.isPresent() && due(clock.millis())) {
            synchronized (this) {
                long now = clock.millis();
                if (due(now)) {
                    checkedAt = now;
                    reload(file.get());
                }
            }
        }
    }

    private boolean due(long now) {
        // Also when the clock went backwards, so that a clock step cannot stop the checks.
        return now - checkedAt >= CHECK_MILLIS || now < checkedAt;
    }

    private void reload(Path f) {
        State before = state;
        try {
            State after = read(f, Optional.of(before.fingerprint()));
            if (after == null) {
                return;
            }
            state = new State(after.senders(), after.fingerprint(), after.loadedAt(), before.lastError(), before.lastErrorAt(),
                    false);
            log.info("known senders reloaded from {}: {} senders{}", f, after.senders().size(),
                    before.failing() ? " (the file is usable again)" : "");
        } catch (IOException | RuntimeException e) {
            // Whatever went wrong, nobody is obeyed until the file reads well again.
            String error = e instanceof KeyFileException ? e.getMessage() : f + ": cannot read: " + e;
            if (!before.failing() || !before.lastError().equals(Optional.of(error))) {
                log.error("known senders file {} is unusable; no sender is obeyed until it is fixed: {}", f, error);
            }
            Optional<Instant> since = before.failing() ? before.lastErrorAt() : Optional.of(clock.instant());
            state = new State(Map.of(), "", before.loadedAt(), Optional.of(error), since, true);
        }
    }

    /**
     * Checks and reads the file; {@code null} when its attributes match {@code unchanged} (and
     * so it need not be read again).
     */
    private State read(Path f, Optional<Object> unchanged) throws IOException {
        KeyFiles.checkAccess(f, KeyFiles.Use.TRUSTED);
        BasicFileAttributes a = Files.readAttributes(f, BasicFileAttributes.class);
        if (a.size() > MAX_FILE_BYTES) {
            throw new KeyFileException(f, "is " + a.size() + " bytes, more than the " + MAX_FILE_BYTES + " a known-senders file may have");
        }
        // Owner and mode are checked on every look above; contents are read again when these move.
        // ctime moves on every write and cannot be set back by the file's owner, unlike mtime.
        Object ctime = Files.getFileStore(f).supportsFileAttributeView("unix") ? Files.getAttribute(f, "unix:ctime") : "";
        Object fingerprint = List.of(a.lastModifiedTime(), a.size(), String.valueOf(a.fileKey()), ctime);
        if (unchanged.isPresent() && unchanged.get().equals(fingerprint) && !state.failing()) {
            return null;
        }
        Map<NaclPublicKey, KnownSender> senders = parse(f, Files.readAllLines(f, StandardCharsets.UTF_8));
        return new State(senders, fingerprint, Optional.of(clock.instant()), Optional.empty(), Optional.empty(), false);
    }

    /**
     * Why a name may not stand for two keys: the worker hands it on as the sender's, and idempotency keys, the broker's
     * namespace rules, audit lines and writer stamps go by it, so two keys under one name would pass for each other.
     */
    private static String nameTwice(String name) {
        return "name '" + name + "' is given to two keys; a name stands for one sender (rules, audit lines and"
                + " idempotency keys go by it)";
    }

    static Map<NaclPublicKey, KnownSender> parse(Path f, List<String> lines) {
        Map<NaclPublicKey, KnownSender> map = new HashMap<>();
        Map<String, Integer> nameLines = new HashMap<>();
        for (int i = 0; i < lines.size(); i++) {
            String t = lines.get(i).trim();
            if (t.isEmpty() || t.startsWith("#")) {
                continue;
            }
            String[] parts = t.split("\\s+");
            if (parts.length < 2 || parts.length > 3) {
                throw new KeyFileException(f, "line " + (i + 1) + ": expected '<public key> <name> [collectors]'");
            }
            if (parts[1].chars().anyMatch(Character::isISOControl)) {
                // not whitespace to the split above, so it stayed in the name, and from there went into log lines and stamps
                throw new KeyFileException(f, "line " + (i + 1) + ": the name has a control character");
            }
            NaclPublicKey key;
            try {
                key = NaclPublicKey.parse(parts[0]);
            } catch (IllegalArgumentException e) {
                throw new KeyFileException(f, "line " + (i + 1) + ": " + e.getMessage());
            }
            Optional<Set<String>> collectors = Optional.empty();
            if (parts.length == 3) {
                Set<String> set = new LinkedHashSet<>();
                for (String c : parts[2].split(",")) {
                    String name = c.trim();
                    if (name.indexOf('*') >= 0 && name.indexOf('*') < name.length() - 1) { // taken literally, it allows nothing
                        throw new KeyFileException(f, "line " + (i + 1) + ": collector '" + name
                                + "' has a '*' before its end (only a trailing one matches: disk.*)");
                    }
                    if (!name.isEmpty()) {
                        set.add(name);
                    }
                }
                collectors = Optional.of(set);
            }
            if (map.put(key, new KnownSender(key, parts[1], collectors)) != null) {
                throw new KeyFileException(f, "line " + (i + 1) + ": key listed twice");
            }
            Integer first = nameLines.putIfAbsent(parts[1], i + 1);
            if (first != null) {
                throw new KeyFileException(f, "line " + (i + 1) + ": " + nameTwice(parts[1]) + " (first on line " + first + ")");
            }
        }
        return Map.copyOf(map);
    }
}
