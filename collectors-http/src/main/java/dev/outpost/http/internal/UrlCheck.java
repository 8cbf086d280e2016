package dev.outpost.http.internal;

import dev.outpost.http.EgressDeniedException;
import dev.outpost.http.EgressPolicy;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import okhttp3.HttpUrl;

/**
 * The URL half of the egress policy. A URL is parsed once, by OkHttp's {@link HttpUrl}, and the
 * host judged is {@link HttpUrl#host()}: exactly the host the fetch connects to, since the same
 * parsed object is handed to OkHttp. A caller's URL must also be written in canonical form (scheme,
 * {@code //}, the host as OkHttp reads it), so that no other reader of the text (a log, a proxy, a
 * human) can take it for a different host.
 */
public final class UrlCheck {
    private UrlCheck() {}

    /** The text is not an absolute http(s) URL at all. */
    public static final class NotAUrl extends RuntimeException {
        private static final long serialVersionUID = 1L;

        NotAUrl() {
            super("not a valid absolute http or https URL", null, false, false);
        }
    }

    /** Schemes a refusal may name; any other text before a ':' could be a credential. */
    private static final java.util.Set<String> KNOWN_SCHEMES = java.util.Set.of("file", "ftp", "ftps", "sftp", "gopher", "jar",
            "dict", "ldap", "ldaps", "mailto", "data", "javascript", "ws", "wss", "telnet", "tftp", "smb", "ssh", "netdoc");

    /**
     * Parses a URL written by a caller and judges it.
     *
     * @throws EgressDeniedException when the scheme, the host's form or an IP literal host is refused
     * @throws NotAUrl when it is not an absolute http(s) URL
     */
    public static HttpUrl parse(EgressPolicy policy, String url) {
        Objects.requireNonNull(url, "url");
        int colon = url.indexOf(':');
        String scheme = colon > 0 ? url.substring(0, colon).strip().toLowerCase(Locale.ROOT) : "";
        if (!scheme.equals("http") && !scheme.equals("https")) {
            // a scheme named only when it is a known one: in 'TOKEN:x@host' (no scheme) the part before ':' is a secret
            throw new EgressDeniedException(scheme.isEmpty() ? "(no scheme)" : KNOWN_SCHEMES.contains(scheme) ? scheme + ":"
                    : "(not http or https)", null, "only the http and https schemes are allowed");
        }
        HttpUrl parsed = parseOrNull(url);
        if (parsed == null) {
            throw new NotAUrl();
        }
        check(policy, parsed);
        canonical(url, parsed);
        return parsed;
    }

    /**
     * {@link HttpUrl#parse}, and null for what it cannot parse, including what makes it throw: OkHttp
     * 4.12 throws ArrayIndexOutOfBoundsException on an IPv6 literal of more than eight groups
     * ({@code [2010:0:46:e378:0:46:e378::1]}), found by the fuzz test.
     */
    public static HttpUrl parseOrNull(String url) {
        try {
            return HttpUrl.parse(url);
        } catch (RuntimeException e) {
            return null;
        }
    }

    /** {@code base.resolve(link)}, and null where it fails or throws (see {@link #parseOrNull}). */
    public static HttpUrl resolveOrNull(HttpUrl base, String link) {
        try {
            return base.resolve(link);
        } catch (RuntimeException e) {
            return null;
        }
    }

    /**
     * Judges the host of an already parsed URL (a redirect's target): its form, and the address
     * when it is an IP literal. Names are judged when resolved.
     *
     * @throws EgressDeniedException when refused
     */
    public static void check(EgressPolicy policy, HttpUrl url) {
        String host = url.host();
        if (host.endsWith(".")) {
            throw new EgressDeniedException(host, null, "host name with a trailing dot; write it without the dot");
        }
        byte[] literal;
        if (host.indexOf(':') >= 0) {
            literal = Ip.ipv6Bytes(host).orElseThrow(() -> new EgressDeniedException(host, null, "not a valid IP literal"));
        } else if (Ip.looksNumeric(host)) {
            Optional<java.net.Inet4Address> quad = Ip.dottedQuad(host);
            if (quad.isEmpty()) {
                String meaning = Ip.inetAton(host).map(a -> " (read as " + a.getHostAddress() + " by some resolvers)").orElse("");
                throw new EgressDeniedException(host, null, "ambiguous numeric host" + meaning
                        + "; write IPv4 addresses as four decimal numbers without leading zeros");
            }
            literal = quad.get().getAddress();
        } else {
            return;
        }
        policy.checkAddress(host, Ip.byAddress(literal));
    }

    private static void canonical(String url, HttpUrl parsed) {
        for (int i = 0; i < url.length(); i++) {
            char c = url.charAt(i);
            if (c <= ' ' || c == 0x7f) {
                throw notCanonical(parsed, "it contains white space or a control character");
            }
        }
        String prefix = parsed.scheme() + "://";
        if (!url.regionMatches(true, 0, prefix, 0, prefix.length())) {
            throw notCanonical(parsed, "write '" + prefix + "' before the host");
        }
        int end = prefix.length();
        while (end < url.length() && "/?#".indexOf(url.charAt(end)) < 0) {
            end++;
        }
        String authority = url.substring(prefix.length(), end);
        if (authority.indexOf('\\') >= 0) {
            throw notCanonical(parsed, "a backslash before the path");
        }
        String hostPort = authority.substring(authority.lastIndexOf('@') + 1);
        String written;
        if (hostPort.startsWith("[")) {
            int close = hostPort.indexOf(']');
            written = close < 0 ? hostPort : hostPort.substring(1, close);
            // Any spelling of an IPv6 literal reads the same everywhere; percent-escapes do not.
            for (int i = 0; i < written.length(); i++) {
                char c = written.charAt(i);
                if (!(c == ':' || c == '.' || Character.digit(c, 16) >= 0)) {
                    throw notCanonical(parsed, "write the IPv6 literal in hexadecimal, without escapes or a zone");
                }
            }
            return;
        }
        int portColon = hostPort.lastIndexOf(':');
        written = portColon < 0 ? hostPort : hostPort.substring(0, portColon);
        if (!written.toLowerCase(Locale.ROOT).equals(parsed.host())) {
            throw notCanonical(parsed, "write the host as '" + parsed.host() + "' (no escapes, internationalised names in xn-- form)");
        }
    }

    private static EgressDeniedException notCanonical(HttpUrl parsed, String how) {
        return new EgressDeniedException(parsed.host(), null, "URL not in canonical form: " + how);
    }
}
