package dev.outpost.host;

import java.time.Instant;
import java.util.Optional;

/**
 * What {@code host.command} returns.
 *
 * @param command the allow-listed command's name
 * @param exitCode the process's exit code (137 or similar when it was killed; -1 if it could not be reaped)
 * @param timedOut true when the timeout ran out and the process tree was killed
 * @param durationMs how long it ran
 * @param stdout standard output, UTF-8, cut at the cap with {@value dev.outpost.host.internal.ProcessRunner#TRUNCATED} appended
 * @param stdoutBytes how many bytes it wrote to stdout in all
 * @param stdoutTruncated whether stdout was cut
 * @param stderr standard error, like stdout
 * @param stderrBytes bytes written to stderr
 * @param stderrTruncated whether stderr was cut
 * @param revert the revert scheduled by this run, if the command has one
 */
public record CommandResult(String command, int exitCode, boolean timedOut, long durationMs, String stdout, long stdoutBytes,
        boolean stdoutTruncated, String stderr, long stderrBytes, boolean stderrTruncated, Optional<Revert> revert) {

    /**
     * A revert waiting to run.
     *
     * @param id its id (the file name in the state directory)
     * @param command the command it runs
     * @param dueAt when it runs
     */
    public record Revert(String id, String command, Instant dueAt) {}
}
