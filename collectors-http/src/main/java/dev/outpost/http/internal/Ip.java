package dev.outpost.http.internal;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * IP literal parsing and the classification of addresses the egress policy refuses. Never
 * resolves a name: every parse here is of literals only.
 */
public final class Ip {
    // A label as inet_aton(3) reads it: decimal, octal (leading 0) or hex (0x).
    private static final Pattern NUMERIC_LABEL = Pattern.compile("(0x[0-9a-f]*|[0-9]+)", Pattern.CASE_INSENSITIVE);

    private Ip() {}

    /** The canonical dotted-quad IPv4 literal {@code text} denotes, if it is one (no leading zeros). */
    public static Optional<Inet4Address> dottedQuad(String text) {
        // Hand-parsed: this runs for every request and redirect hop.
        byte[] b = new byte[4];
        int part = 0;
        int value = -1;
        int digits = 0;
        for (int i = 0; i <= text.length(); i++) {
            char c = i < text.length() ? text.charAt(i) : '.';
            if (c == '.') {
                if (value < 0 || part > 3) {
                    return Optional.empty();
                }
                b[part++] = (byte) value;
                value = -1;
                digits = 0;
            } else if (c >= '0' && c <= '9') {
                if (digits > 0 && value == 0) {
                    return Optional.empty(); // a leading zero: octal to some resolvers
                }
                value = (value < 0 ? 0 : value * 10) + (c - '0');
                if (++digits > 3 || value > 255) {
                    return Optional.empty();
                }
            } else {
                return Optional.empty();
            }
        }
        return part == 4 ? Optional.of((Inet4Address) byAddress(b)) : Optional.empty();
    }

    /**
     * Whether a host name looks like an IPv4 literal to some resolver: its last label is numeric
     * (decimal, octal or hex), as in {@code 2130706433}, {@code 0177.0.0.1}, {@code 0x7f.1},
     * {@code 127.1}. No top-level domain is numeric, so such a host is never a DNS name.
     */
    public static boolean looksNumeric(String host) {
        String last = host.substring(host.lastIndexOf('.') + 1);
        if (last.isEmpty()) {
            return false;
        }
        boolean hex = last.length() >= 2 && last.charAt(0) == '0' && (last.charAt(1) == 'x' || last.charAt(1) == 'X');
        for (int i = hex ? 2 : 0; i < last.length(); i++) {
            char c = last.charAt(i);
            if (!(c >= '0' && c <= '9') && !(hex && Character.digit(c, 16) >= 0)) {
                return false;
            }
        }
        return true;
    }

    /**
     * Reads {@code host} the way inet_aton(3) does (1 to 4 parts, each decimal, octal or hex), for
     * saying what an ambiguous literal means; empty when it is not such a literal.
     */
    public static Optional<Inet4Address> inetAton(String host) {
        String[] parts = host.split("\\.", -1);
        if (parts.length < 1 || parts.length > 4) {
            return Optional.empty();
        }
        long[] values = new long[parts.length];
        for (int i = 0; i < parts.length; i++) {
            String p = parts[i].toLowerCase(Locale.ROOT);
            if (!NUMERIC_LABEL.matcher(p).matches()) {
                return Optional.empty();
            }
            try {
                if (p.startsWith("0x")) {
                    values[i] = p.length() == 2 ? 0 : Long.parseLong(p.substring(2), 16);
                } else if (p.length() > 1 && p.startsWith("0")) {
                    values[i] = Long.parseLong(p.substring(1), 8);
                } else {
                    values[i] = Long.parseLong(p);
                }
            } catch (NumberFormatException e) {
                return Optional.empty();
            }
        }
        long value = 0;
        for (int i = 0; i < values.length - 1; i++) {
            if (values[i] > 255) {
                return Optional.empty();
            }
            value |= values[i] << (8 * (3 - i));
        }
        long last = values[values.length - 1];
        if (last >= (1L << (8 * (5 - values.length)))) {
            return Optional.empty();
        }
        value |= last;
        byte[] b = {(byte) (value >>> 24), (byte) (value >>> 16), (byte) (value >>> 8), (byte) value};
        return Optional.of((Inet4Address) byAddress(b));
    }

    /** Parses an IPv6 literal (without brackets); empty when it is not one. Never resolves. */
    public static Optional<InetAddress> ipv6(String text) {
        if (text.indexOf(':') < 0 || text.indexOf('%') >= 0) {
            return Optional.empty();
        }
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (!(c == ':' || c == '.' || Character.digit(c, 16) >= 0)) {
                return Optional.empty();
            }
        }
        try {
            // With a ':' and only hex digits, dots and colons this is parsed as a literal, never looked up.
            return Optional.of(InetAddress.getByName(text));
        } catch (UnknownHostException e) {
            return Optional.empty();
        }
    }

    /** The 16 bytes of an IPv6 literal, keeping IPv4-mapped forms that {@link InetAddress} folds to IPv4. */
    public static Optional<byte[]> ipv6Bytes(String text) {
        Optional<InetAddress> parsed = ipv6(text);
        if (parsed.isEmpty()) {
            return Optional.empty();
        }
        byte[] b = parsed.get().getAddress();
        if (b.length == 16) {
            return Optional.of(b);
        }
        byte[] mapped = new byte[16];
        mapped[10] = (byte) 0xff;
        mapped[11] = (byte) 0xff;
        System.arraycopy(b, 0, mapped, 12, 4);
        return Optional.of(mapped);
    }

    /**
     * Why the policy refuses {@code address} by default, or empty when it is a public unicast
     * address. Works on raw bytes so that IPv4 embedded in IPv6 is seen for what it is.
     */
    public static Optional<String> forbidden(byte[] a) {
        if (a.length == 4) {
            return forbidden4(a);
        }
        if (a.length != 16) {
            return Optional.of("not an IP address");
        }
        int first = a[0] & 0xff;
        int second = a[1] & 0xff;
        if (isZero(a, 0, 10) && (a[10] & 0xff) == 0xff && (a[11] & 0xff) == 0xff) {
            return embedded(a, 12, "IPv4-mapped IPv6 address");
        }
        if (isZero(a, 0, 15)) {
            return Optional.of((a[15] == 1) ? "loopback address" : (a[15] == 0 ? "unspecified address" : "reserved IPv6 address"));
        }
        if (isZero(a, 0, 12)) {
            return Optional.of("IPv4-compatible IPv6 address (deprecated, reserved)");
        }
        if (first == 0x00 && second == 0x64 && (a[2] & 0xff) == 0xff && (a[3] & 0xff) == 0x9b) {
            if (isZero(a, 4, 12)) {
                return embedded(a, 12, "NAT64 address");
            }
            return Optional.of("local-use NAT64 address");
        }
        if (first == 0x20 && second == 0x02) {
            return embedded(a, 2, "6to4 address");
        }
        if (first == 0x20 && second == 0x01 && a[2] == 0 && a[3] == 0) {
            return Optional.of("Teredo tunnel address");
        }
        if (first == 0x20 && second == 0x01 && (a[2] & 0xff) == 0x0d && (a[3] & 0xff) == 0xb8) {
            return Optional.of("documentation address (RFC 3849)");
        }
        if (first == 0x01 && second == 0x00 && isZero(a, 2, 8)) {
            return Optional.of("discard-only address (RFC 6666)");
        }
        if (first == 0xfd && second == 0x00 && (a[2] & 0xff) == 0x0e && (a[3] & 0xff) == 0xc2
                && isZero(a, 4, 14) && (a[14] & 0xff) == 0x02 && (a[15] & 0xff) == 0x54) {
            return Optional.of("cloud metadata address");
        }
        if ((first & 0xfe) == 0xfc) {
            return Optional.of("unique-local IPv6 address (fc00::/7)");
        }
        if (first == 0xfe && (second & 0xc0) == 0x80) {
            return Optional.of("link-local address");
        }
        if (first == 0xfe && (second & 0xc0) == 0xc0) {
            return Optional.of("site-local IPv6 address (deprecated)");
        }
        if (first == 0xff) {
            return Optional.of("multicast address");
        }
        return Optional.empty();
    }

    private static Optional<String> embedded(byte[] a, int offset, String kind) {
        byte[] v4 = new byte[4];
        System.arraycopy(a, offset, v4, 0, 4);
        return forbidden4(v4).map(why -> kind + " embedding " + byAddress(v4).getHostAddress() + " (" + why + ")");
    }

    private static Optional<String> forbidden4(byte[] a) {
        int b0 = a[0] & 0xff;
        int b1 = a[1] & 0xff;
        int b2 = a[2] & 0xff;
        int b3 = a[3] & 0xff;
        if (b0 == 0) {
            return Optional.of(b1 == 0 && b2 == 0 && b3 == 0 ? "unspecified address" : "'this network' address (0.0.0.0/8)");
        }
        if (b0 == 127) {
            return Optional.of("loopback address");
        }
        if (b0 == 10 || (b0 == 172 && (b1 & 0xf0) == 16) || (b0 == 192 && b1 == 168)) {
            return Optional.of("private address (RFC 1918)");
        }
        if (b0 == 169 && b1 == 254) {
            return Optional.of(b2 == 169 && b3 == 254 ? "cloud metadata address" : "link-local address");
        }
        if (b0 == 100 && (b1 & 0xc0) == 64) {
            return Optional.of("carrier-grade NAT address (RFC 6598)");
        }
        if (b0 == 192 && b1 == 0 && b2 == 0) {
            return Optional.of("IETF protocol assignment (192.0.0.0/24)");
        }
        if ((b0 == 192 && b1 == 0 && b2 == 2) || (b0 == 198 && b1 == 51 && b2 == 100) || (b0 == 203 && b1 == 0 && b2 == 113)) {
            return Optional.of("documentation address (RFC 5737)");
        }
        if (b0 == 198 && (b1 & 0xfe) == 18) {
            return Optional.of("benchmarking address (RFC 2544)");
        }
        if (b0 == 192 && b1 == 88 && b2 == 99) {
            return Optional.of("6to4 relay anycast address");
        }
        if ((b0 & 0xf0) == 224) {
            return Optional.of("multicast address");
        }
        if (b0 == 255 && b1 == 255 && b2 == 255 && b3 == 255) {
            return Optional.of("broadcast address");
        }
        if ((b0 & 0xf0) == 240) {
            return Optional.of("reserved address (240.0.0.0/4)");
        }
        return Optional.empty();
    }

    private static boolean isZero(byte[] a, int from, int to) {
        for (int i = from; i < to; i++) {
            if (a[i] != 0) {
                return false;
            }
        }
        return true;
    }

    /** An address from raw bytes; never resolves. */
    public static InetAddress byAddress(byte[] b) {
        try {
            return InetAddress.getByAddress(b);
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException("not an IP address: " + b.length + " bytes", e);
        }
    }

    /** The text of an address as a user would write it, IPv6 without the zone. */
    public static String text(InetAddress address) {
        if (address instanceof Inet6Address) {
            String s = address.getHostAddress();
            int zone = s.indexOf('%');
            return zone < 0 ? s : s.substring(0, zone);
        }
        return address.getHostAddress();
    }
}
