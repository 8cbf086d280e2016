package dev.outpost.host.internal;

import java.util.List;
import java.util.Optional;

/**
 * One process as a process table read it. Empty optionals are what the platform or the
 * permissions hid. {@code cpuMs} is user + kernel time.
 */
public record ProcInfo(int pid, int ppid, String name, Optional<String> user, Optional<String> uid, String state,
        Optional<Long> startedAtMs, long userMs, long kernelMs, long residentBytes, long virtualBytes, int threads,
        int priority) {

    /** What costs extra reads per process, read only for the processes returned. */
    public record Extra(Optional<String> path, Optional<List<String>> arguments) {}

    /** The detail fields; empty when hidden. */
    public record Details(Optional<Long> openFiles, Optional<String> cwd, Optional<Long> bytesRead, Optional<Long> bytesWritten) {}

    /** Reads process tables. */
    public interface Table {
        /** Every process, cheap fields only. */
        List<ProcInfo> list();

        /** Path and arguments of one process. */
        Extra extra(ProcInfo p);

        /** The detail fields of one process. */
        Details details(ProcInfo p);
    }
}
