package dev.outpost.cli;

/**
 * The exit codes of every {@code outpost} command, after BSD's {@code sysexits.h} where one fits,
 * so scripts can tell "the fleet said no" from "the command could not run".
 */
public final class ExitCodes {
    /** Everything asked for succeeded: every expected worker answered ok. */
    public static final int OK = 0;
    /**
     * Some answers were errors or refusals, or a key was not found; or what the command would write is there
     * already (a registry key, a key file, a known sender), so nothing was changed.
     */
    public static final int SOME_FAILED = 1;
    /** No worker answered before the deadline. */
    public static final int NONE_ANSWERED = 2;
    /** The command line was wrong (an unknown option, a bad value). */
    public static final int USAGE = 64;
    /** The transport, the registry or the broker could not be reached. */
    public static final int UNAVAILABLE = 69;
    /** An unexpected failure of the command itself (run with --verbose for the stack trace). */
    public static final int SOFTWARE = 70;
    /** A file could not be read or written (keys, known senders, backups); one there already is {@link #SOME_FAILED}. */
    public static final int IO_ERROR = 74;
    /** The configuration is wrong: the message names the key, the value and the file that set it. */
    public static final int CONFIG = 78;

    private ExitCodes() {}
}
