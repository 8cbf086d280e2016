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

    /** Whether a URL's host (as {@code HttpUrl.host()} gives it) is an IP literal rather than a name: IPv6, or numeric. */
    public static boolean isLiteral(String host) {
        return host.indexOf(':') >= 0 || looksNumeric(host);
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
     * Why the policy refuses {@code address} by default, or empty when it is a globally reachable
     * unicast address. Works on raw bytes: an IPv4-mapped IPv6 address ({@code ::ffff:0:0/96}) is
     * judged as the IPv4 address it maps, NAT64 and 6to4 by the IPv4 address they embed. The ranges
     * are those of {@link SpecialPurpose}; an IPv6 address outside global unicast (2000::/3) that no
     * row names is refused too.
     */
    public static Optional<String> forbidden(byte[] a) {
        if (a.length == 16 && isZero(a, 0, 10) && (a[10] & 0xff) == 0xff && (a[11] & 0xff) == 0xff) {
            return forbidden(java.util.Arrays.copyOfRange(a, 12, 16));
        }
        if (a.length != 4 && a.length != 16) {
            return Optional.of("not an IP address");
        }
        Optional<SpecialPurpose.Range> row = SpecialPurpose.lookup(a);
        if (row.isPresent()) {
            SpecialPurpose.Range r = row.get();
            return switch (r.action()) {
                case REFUSE -> Optional.of(r.name());
                case ALLOW -> Optional.empty();
                case EMBEDDED_IPV4 -> {
                    byte[] v4 = java.util.Arrays.copyOfRange(a, r.embeddedAt(), r.embeddedAt() + 4);
                    yield forbidden(v4).map(why -> r.name() + " embedding " + byAddress(v4).getHostAddress() + " (" + why + ")");
                }
            };
        }
        if (a.length == 16 && (a[0] & 0xe0) != 0x20) {
            return Optional.of("reserved IPv6 address (outside global unicast 2000::/3)");
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
