package dev.outpost;

import java.util.Locale;

/** The outcome a {@link Response} reports. */
public enum ResponseStatus {
    /** The collector ran and returned a result. */
    OK,
    /** The collector failed (permanently, or on its last attempt). */
    ERROR,
    /** The worker refused to run the collector (see {@link RejectReason}). */
    REJECTED;

    private final String code = name().toLowerCase(Locale.ROOT); // read per response: lowercased once

    /** The wire form: {@code ok}, {@code error} or {@code rejected}. */
    public String code() {
        return code;
    }

    /** The status for a wire form. */
    public static ResponseStatus fromCode(String code) {
        for (ResponseStatus s : values()) {
            if (s.code.equals(code)) {
                return s;
            }
        }
        throw new IllegalArgumentException("unknown response status '" + code + "'");
    }
}
