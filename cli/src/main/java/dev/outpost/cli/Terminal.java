package dev.outpost.cli;

/** Whether standard output is a terminal a person reads. */
final class Terminal {
    private Terminal() {}

    static boolean isInteractive() {
        if (Boolean.getBoolean("outpost.cli.tty")) {
            return true; // tests and wrappers that allocate no pty
        }
        return System.console() != null && !"dumb".equals(System.getenv("TERM"));
    }
}
