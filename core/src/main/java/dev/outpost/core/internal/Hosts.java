package dev.outpost.core.internal;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** This host's name without a DNS lookup (which can hang on a badly configured host). */
public final class Hosts {
    private Hosts() {}

    public static String name() {
        String env = System.getenv("HOSTNAME");
        if (env != null && !env.isBlank()) {
            return env.trim();
        }
        try {
            String file = Files.readString(Path.of("/etc/hostname")).trim();
            if (!file.isEmpty()) {
                return file;
            }
        } catch (IOException | RuntimeException e) {
            // fall through
        }
        return "localhost";
    }

    /** host-pid: unique enough among the workers on one queue. */
    public static String workerId() {
        return name() + "-" + ProcessHandle.current().pid();
    }
}
