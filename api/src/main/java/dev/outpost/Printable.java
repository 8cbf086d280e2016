package dev.outpost;

/** Checks for the ids that logs and terminals show as they are. */
final class Printable {
    private Printable() {}

    /**
     * {@code value}, refused when it holds a control character (C0, DEL or C1): ids are quoted in
     * log lines and error messages, where a newline would forge a line and ESC drive a terminal.
     */
    static String id(String value, String name) {
        for (int i = 0; i < value.length(); i++) {
            if (Character.isISOControl(value.charAt(i))) {
                throw new IllegalArgumentException(name + " must not contain control characters (found U+"
                        + String.format("%04X", (int) value.charAt(i)) + " at " + i + ")");
            }
        }
        return value;
    }
}
