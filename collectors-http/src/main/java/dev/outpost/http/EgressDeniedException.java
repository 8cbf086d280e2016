package dev.outpost.http;

import dev.outpost.CollectorException;
import dev.outpost.http.internal.Ip;
import java.util.Objects;
import java.util.Optional;

/**
 * The egress policy refused a URL or an address. Permanent (trying again gives the same answer);
 * its {@linkplain #code() code} is {@value #CODE}. The message, which goes back to the remote
 * caller, names the host as the URL gives it and why, never the URL's path, query or credentials;
 * when a host <em>name</em> resolved (or connected) to a refused address it says only that the name
 * "resolves to a refused address range": the address and its kind would let a caller map internal
 * DNS. They stay in {@link #address()} and {@link #reason()} for local logs (the collectors log
 * them at WARN).
 */
public final class EgressDeniedException extends CollectorException {
    private static final long serialVersionUID = 1L;

    /** The error code responses carry. */
    public static final String CODE = "egress-denied";

    private final String host;
    private final String address;
    private final String reason;

    /**
     * A refusal.
     *
     * @param host the host as the URL names it (or the scheme, for a refused scheme)
     * @param address the refused address, or {@code null} when the refusal came before resolving
     * @param reason why, in a few words ("loopback address")
     */
    public EgressDeniedException(String host, String address, String reason) {
        super(CODE, message(host, address, reason), false, null);
        this.host = Objects.requireNonNull(host, "host");
        this.address = address;
        this.reason = Objects.requireNonNull(reason, "reason");
    }

    private static String message(String host, String address, String reason) {
        String what;
        if (address == null || address.equals(host)) {
            what = "'" + host + "': " + reason;
        } else if (Ip.isLiteral(host)) {
            what = "'" + host + "' (" + address + "): " + reason; // the caller's own address, respelt: nothing learnt
        } else {
            what = "'" + host + "': it resolves to a refused address range"; // what it resolved to is for local logs only
        }
        return "egress refused for " + what
                + "; if this destination is intended, the operator can allow it with the allow-cidrs or allow-hosts setting";
    }

    /** The host the refused URL names. */
    public String host() {
        return host;
    }

    /** The refused address, when the refusal was of a resolved or connected address: for local logs, not for the caller. */
    public Optional<String> address() {
        return Optional.ofNullable(address);
    }

    /** Why, in a few words. */
    public String reason() {
        return reason;
    }
}
