package dev.outpost.nacl;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
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
 * <p>A list read from a file is reloaded when the file's modification time or size changes
 * (checked at most once a second, on use; no thread). If a reload finds a malformed file, the
 * previous list stays in force and the error is logged once. Thread-safe.
 */
public final class KnownSenders {
    private static final Logger log = LoggerFactory.getLogger(KnownSenders.class);
    private static final long CHECK_NANOS = 1_000_000_000L;

    private final Optional<Path> file;
    private volatile Map<NaclPublicKey, KnownSender> senders;
    private volatile long checkedAt;
    private volatile FileTime modified;
    private volatile long size;
    private volatile String lastError = "";

    private KnownSenders(Optional<Path> file, Map<NaclPublicKey, KnownSender> senders) {
        this.file = file;
        this.senders = senders;
    }

    /** A fixed list. */
    public static KnownSenders of(Collection<KnownSender> senders) {
        Map<NaclPublicKey, KnownSender> map = new HashMap<>();
        for (KnownSender s : senders) {
            map.put(s.key(), s);
        }
        return new KnownSenders(Optional.empty(), Map.copyOf(map));
    }

    /** A fixed list. */
    public static KnownSenders of(KnownSender... senders) {
        return of(Arrays.asList(senders));
    }

    /**
     * A list read from {@code file} and reloaded when it changes.
     *
     * @throws KeyFileException when the file is missing or malformed now
     */
    public static KnownSenders load(Path file) {
        Objects.requireNonNull(file, "file");
        KnownSenders k = new KnownSenders(Optional.of(file), Map.of());
        k.reload(true);
        return k;
    }

    /** The sender with this key, if known. */
    public Optional<KnownSender> find(NaclPublicKey key) {
        refreshIfDue();
        return Optional.ofNullable(senders.get(key));
    }

    /** Every known sender now. */
    public Set<KnownSender> all() {
        refreshIfDue();
        return Set.copyOf(senders.values());
    }

    private void refreshIfDue() {
        if (file.isPresent() && System.nanoTime() - checkedAt > CHECK_NANOS) {
            reload(false);
        }
    }

    private synchronized void reload(boolean strict) {
        Path f = file.orElseThrow();
        checkedAt = System.nanoTime();
        try {
            FileTime m = Files.getLastModifiedTime(f);
            long s = Files.size(f);
            if (!strict && m.equals(modified) && s == size) {
                return;
            }
            senders = parse(f, Files.readAllLines(f, StandardCharsets.UTF_8));
            modified = m;
            size = s;
            if (!strict) {
                log.info("known senders reloaded from {}: {} senders", f, senders.size());
            }
            lastError = "";
        } catch (IOException | KeyFileException e) {
            if (strict) {
                throw e instanceof KeyFileException k ? k : new KeyFileException(f, "cannot read: " + e, e);
            }
            if (!e.getMessage().equals(lastError)) {
                lastError = e.getMessage();
                log.error("known senders file {} is unusable, keeping the previous list: {}", f, e.getMessage());
            }
        }
    }

    static Map<NaclPublicKey, KnownSender> parse(Path f, List<String> lines) {
        Map<NaclPublicKey, KnownSender> map = new HashMap<>();
        for (int i = 0; i < lines.size(); i++) {
            String t = lines.get(i).trim();
            if (t.isEmpty() || t.startsWith("#")) {
                continue;
            }
            String[] parts = t.split("\\s+");
            if (parts.length < 2 || parts.length > 3) {
                throw new KeyFileException(f, "line " + (i + 1) + ": expected '<public key> <name> [collectors]'");
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
                    if (!c.isBlank()) {
                        set.add(c.trim());
                    }
                }
                collectors = Optional.of(set);
            }
            if (map.put(key, new KnownSender(key, parts[1], collectors)) != null) {
                throw new KeyFileException(f, "line " + (i + 1) + ": key listed twice");
            }
        }
        return Map.copyOf(map);
    }
}
