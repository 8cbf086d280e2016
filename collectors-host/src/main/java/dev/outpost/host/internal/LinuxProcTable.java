package dev.outpost.host.internal;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * Reads {@code /proc} directly: one read of {@code /proc/PID/stat} and one {@code stat} call for the
 * owner per process, plus {@code cmdline} and {@code exe} only for the processes returned. OSHI
 * does several more reads per process and forks {@code getent} for every uid missing from
 * {@code /etc/passwd}, which put a 500-process list far above its budget (see the module README).
 */
public final class LinuxProcTable implements ProcInfo.Table {
    private static final Path PROC = Path.of("/proc");
    private final long hz;
    private final long pageSize;
    private final long bootMs;
    private volatile Users users = new Users(-1, Map.of());

    private record Users(long modified, Map<Integer, String> byUid) {}

    public LinuxProcTable(long hz, long pageSize) {
        this.hz = hz;
        this.pageSize = pageSize;
        this.bootMs = bootTimeMs();
    }

    public static boolean available() {
        return Files.isReadable(PROC.resolve("self").resolve("stat"));
    }

    @Override
    public List<ProcInfo> list() {
        Map<Integer, String> names = users();
        List<ProcInfo> out = new ArrayList<>(512);
        try (DirectoryStream<Path> s = Files.newDirectoryStream(PROC)) {
            for (Path p : s) {
                String d = p.getFileName().toString();
                if (d.isEmpty() || !Character.isDigit(d.charAt(0))) {
                    continue;
                }
                ProcInfo info = read(p, Integer.parseInt(d), names);
                if (info != null) {
                    out.add(info);
                }
            }
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        return out;
    }

    private ProcInfo read(Path dir, int pid, Map<Integer, String> names) {
        String stat;
        try {
            stat = new String(Files.readAllBytes(dir.resolve("stat")), StandardCharsets.UTF_8);
        } catch (IOException e) {
            return null; // exited meanwhile
        }
        int open = stat.indexOf('(');
        int close = stat.lastIndexOf(')');
        if (open < 0 || close < open) {
            return null;
        }
        String name = stat.substring(open + 1, close);
        String[] f = stat.substring(close + 2).split(" ");
        if (f.length < 22) {
            return null;
        }
        Optional<String> uid = Optional.empty();
        Optional<String> user = Optional.empty();
        try {
            int u = (Integer) Files.getAttribute(dir, "unix:uid", LinkOption.NOFOLLOW_LINKS);
            uid = Optional.of(Integer.toString(u));
            user = Optional.ofNullable(names.get(u));
        } catch (IOException | UnsupportedOperationException | IllegalArgumentException e) {
            // exited, or not a POSIX file system view: leave it hidden
        }
        long ticksMs = 1000 / Math.max(1, hz);
        long startTicks = Long.parseLong(f[19]);
        return new ProcInfo(pid, Integer.parseInt(f[1]), name, user, uid, state(f[0]),
                bootMs > 0 ? Optional.of(bootMs + startTicks * 1000 / hz) : Optional.empty(),
                Long.parseLong(f[11]) * ticksMs, Long.parseLong(f[12]) * ticksMs,
                Long.parseLong(f[21]) * pageSize, Long.parseLong(f[20]), Integer.parseInt(f[17]), Integer.parseInt(f[15]));
    }

    @Override
    public ProcInfo.Extra extra(ProcInfo p) {
        Path dir = PROC.resolve(Integer.toString(p.pid()));
        Optional<String> path;
        try {
            path = Optional.of(Files.readSymbolicLink(dir.resolve("exe")).toString());
        } catch (IOException | SecurityException e) {
            path = Optional.empty(); // another user's process without the rights, or a kernel thread
        }
        Optional<List<String>> args = Optional.empty();
        try {
            byte[] raw = Files.readAllBytes(dir.resolve("cmdline"));
            if (raw.length > 0) {
                List<String> list = new ArrayList<>();
                int start = 0;
                for (int i = 0; i < raw.length; i++) {
                    if (raw[i] == 0) {
                        list.add(new String(raw, start, i - start, StandardCharsets.UTF_8));
                        start = i + 1;
                    }
                }
                if (start < raw.length) {
                    list.add(new String(raw, start, raw.length - start, StandardCharsets.UTF_8));
                }
                args = Optional.of(list);
            }
        } catch (IOException e) {
            // exited or hidden
        }
        return new ProcInfo.Extra(path, args);
    }

    @Override
    public ProcInfo.Details details(ProcInfo p) {
        Path dir = PROC.resolve(Integer.toString(p.pid()));
        Optional<Long> files;
        try (Stream<Path> s = Files.list(dir.resolve("fd"))) {
            files = Optional.of(s.count());
        } catch (IOException | SecurityException e) {
            files = Optional.empty();
        }
        Optional<String> cwd;
        try {
            cwd = Optional.of(Files.readSymbolicLink(dir.resolve("cwd")).toString());
        } catch (IOException | SecurityException e) {
            cwd = Optional.empty();
        }
        Optional<Long> read = Optional.empty();
        Optional<Long> written = Optional.empty();
        try {
            for (String line : Files.readAllLines(dir.resolve("io"))) {
                if (line.startsWith("read_bytes:")) {
                    read = Optional.of(Long.parseLong(line.substring(11).trim()));
                } else if (line.startsWith("write_bytes:")) {
                    written = Optional.of(Long.parseLong(line.substring(12).trim()));
                }
            }
        } catch (IOException | RuntimeException e) {
            // root only for other users' processes
        }
        return new ProcInfo.Details(files, cwd, read, written);
    }

    private static String state(String s) {
        return switch (s.isEmpty() ? '?' : s.charAt(0)) {
            case 'R' -> "running";
            case 'S' -> "sleeping";
            case 'D' -> "waiting";
            case 'Z' -> "zombie";
            case 'T', 't' -> "stopped";
            case 'I' -> "idle";
            case 'X', 'x' -> "dead";
            default -> "other";
        };
    }

    /** uid to name from /etc/passwd, re-read when it changes. Users only a directory service knows stay hidden. */
    private Map<Integer, String> users() {
        Path passwd = Path.of("/etc/passwd");
        try {
            long modified = Files.getLastModifiedTime(passwd).toMillis();
            Users u = users;
            if (u.modified() == modified) {
                return u.byUid();
            }
            Map<Integer, String> map = new HashMap<>();
            for (String line : Files.readAllLines(passwd)) {
                String[] f = line.split(":");
                if (f.length > 2) {
                    try {
                        map.putIfAbsent(Integer.parseInt(f[2]), f[0]);
                    } catch (NumberFormatException e) {
                        // a comment or a NIS line
                    }
                }
            }
            users = new Users(modified, Map.copyOf(map));
            return users.byUid();
        } catch (IOException e) {
            return Map.of();
        }
    }

    private static long bootTimeMs() {
        try {
            for (String line : Files.readAllLines(PROC.resolve("stat"))) {
                if (line.startsWith("btime ")) {
                    return Long.parseLong(line.substring(6).trim()) * 1000;
                }
            }
        } catch (IOException | RuntimeException e) {
            // unknown
        }
        return 0;
    }
}
