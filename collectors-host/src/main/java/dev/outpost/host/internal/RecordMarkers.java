package dev.outpost.host.internal;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Predicate;

/**
 * The request-id markers under {@code .outpost/ids/}: one of 256 folders by the hash's first two
 * hex digits, so that a new id costs one lookup whatever the retention (the former layout, a
 * folder per day, cost one per day kept; such folders are still read and swept). A marker is the
 * record file's second name, or (former layout) a file holding its name ({@link MarkedRecordFiles}).
 */
final class RecordMarkers {
    private static final String HEX = "0123456789abcdef";

    private final Path ids;
    /** Marker folders known to exist (created by this run or found present). */
    private final Set<Path> folders = ConcurrentHashMap.newKeySet();
    private volatile Set<Path> legacyDayDirs;

    RecordMarkers(Path ids) {
        this.ids = ids;
    }

    /**
     * Creates the ids folder and all 256 marker folders that are missing, then fsyncs the ids
     * folder once: a new store made them one by one at its first records, each followed by an
     * fsync of its parent that competed with the journal's (256 of them in its first thousand
     * records or so).
     */
    void open() throws IOException {
        DurableFiles.createDirectories(ids);
        boolean created = false;
        for (int i = 0; i < 256; i++) {
            Path f = ids.resolve("" + HEX.charAt(i >> 4) + HEX.charAt(i & 15));
            DurableFiles.refuseLink(f);
            if (!Files.isDirectory(f)) {
                try {
                    Files.createDirectory(f);
                } catch (java.nio.file.FileAlreadyExistsException e) {
                    if (!Files.isDirectory(f)) {
                        throw new IOException("the record store's marker folder " + f + " is a file; move it away (the store"
                                + " keeps its request-id markers there)", e);
                    }
                }
                DurableFiles.restrict(f, true);
                created = true;
            }
            folders.add(f);
        }
        if (created) {
            DurableFiles.syncDirectory(ids);
        }
    }

    /** Where {@code hash}'s marker lives. */
    Path folder(String hash) {
        return ids.resolve(hash.substring(0, 2));
    }

    /** Where {@code hash}'s marker is. */
    Path path(String hash) {
        return folder(hash).resolve(hash);
    }

    /** Makes sure {@code hash}'s folder exists (made durable if new); returns it. */
    Path ensureFolder(String hash) throws IOException {
        Path folder = folder(hash);
        if (!folders.contains(folder)) {
            DurableFiles.createDirectories(folder); // a new marker folder: its parent is fsynced
            folders.add(folder);
        }
        return folder;
    }

    /** Forgets that {@code hash}'s folder exists, so that the next {@link #ensureFolder} looks again. */
    void forget(String hash) {
        folders.remove(folder(hash));
    }

    /** The name of the record stored for {@code hash}, from its marker, if any: one lookup for a new id. */
    Optional<String> nameFor(String hash, Predicate<String> isRecordName) throws IOException {
        Optional<String> name = nameIfMarked(path(hash), isRecordName);
        if (name.isPresent()) {
            return name;
        }
        for (Path day : legacyDays()) {
            name = nameIfMarked(day.resolve(hash), isRecordName);
            if (name.isPresent()) {
                return name;
            }
        }
        return Optional.empty();
    }

    private static Optional<String> nameIfMarked(Path marker, Predicate<String> isRecordName) throws IOException {
        if (!Files.exists(marker)) {
            return Optional.empty(); // the usual case, a new id: one stat, no exception
        }
        return MarkedRecordFiles.nameIn(marker).filter(isRecordName);
    }

    /** Removes the marker of the record file {@code record} (found by the request id it holds), if it names that record. */
    void removeMarkerOf(Path record) throws IOException {
        Optional<String> requestId = MarkedRecordFiles.requestIdIn(record);
        if (requestId.isEmpty()) {
            return;
        }
        Path marker = path(RecordFiles.sha256(requestId.get()));
        if (MarkedRecordFiles.nameIn(marker).filter(record.getFileName().toString()::equals).isPresent()) {
            Files.deleteIfExists(marker);
        }
    }

    /** Removes the former layout's day folders older than {@code oldestKept}. */
    void sweepLegacyDays(LocalDate oldestKept) throws IOException {
        for (Path day : legacyDays()) {
            if (LocalDate.parse(day.getFileName().toString()).isBefore(oldestKept)) {
                deleteTree(day);
                legacyDays().remove(day);
            }
        }
    }

    /** Marker folders of the former layout (named by day), listed once; none in a store created since. */
    private Set<Path> legacyDays() throws IOException {
        Set<Path> days = legacyDayDirs;
        if (days == null) {
            days = ConcurrentHashMap.newKeySet();
            try (DirectoryStream<Path> s = Files.newDirectoryStream(ids)) {
                for (Path day : s) {
                    if (Files.isDirectory(day) && isDay(day.getFileName().toString())) {
                        days.add(day);
                    }
                }
            }
            legacyDayDirs = days;
        }
        return days;
    }

    private static boolean isDay(String name) {
        try {
            LocalDate.parse(name);
            return true;
        } catch (java.time.format.DateTimeParseException e) {
            return false;
        }
    }

    private static void deleteTree(Path day) throws IOException {
        try (DirectoryStream<Path> s = Files.newDirectoryStream(day)) {
            for (Path p : s) {
                Files.deleteIfExists(p);
            }
        }
        Files.deleteIfExists(day);
    }
}
