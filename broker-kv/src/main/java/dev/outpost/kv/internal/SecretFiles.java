package dev.outpost.kv.internal;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Optional;

/**
 * The checks a file holding secrets must pass before it is read (as ssh requires of key files):
 * owner-only, in a directory other users cannot write, owned (with its directory) by the process's
 * user or root. Used for the namespaces file and the discovery signing key.
 */
public final class SecretFiles {
    private SecretFiles() {}

    /**
     * What is wrong with {@code file}, which holds {@code what}; empty when it may be read.
     *
     * @throws IOException when it cannot be examined (absent, unreadable)
     */
    public static Optional<String> problem(Path file, String what) throws IOException {
        if (SqliteFiles.openToOthers(file)) {
            return Optional.of(file + " holds " + what + " and is open to other users: chmod 600 " + file);
        }
        // whoever can write its directory (or, through a link, the target's) can put another file in its place
        for (Path dir : new Path[] {file.toAbsolutePath().getParent(), file.toRealPath().getParent()}) {
            if (dir != null && SqliteFiles.replaceableByOthers(dir)) {
                return Optional.of(file + " holds " + what + " and its directory " + dir
                        + " is writable by other users, who could replace it: chmod go-w " + dir);
            }
        }
        // and whoever owns the file or its directory can change it, whatever the modes say
        for (Path p : new Path[] {file.toRealPath(), file.toRealPath().getParent()}) {
            if (p != null && SqliteFiles.ownedByAnother(p)) {
                return Optional.of(file + " holds " + what + " and " + p + " belongs to another user (neither this"
                        + " process's nor root), who controls it: chown it to this process's user");
            }
        }
        return Optional.empty();
    }
}
