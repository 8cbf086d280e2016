package dev.outpost.http.internal;

import java.net.InetAddress;
import java.util.Arrays;
import java.util.Optional;

/** An address range in CIDR notation, IPv4 or IPv6. Immutable. */
public final class Cidr {
    private final byte[] network;
    private final int prefix;
    private final String text;

    private Cidr(byte[] network, int prefix) {
        this.network = network;
        this.prefix = prefix;
        this.text = Ip.text(Ip.byAddress(network)) + "/" + prefix;
    }

    /**
     * Parses {@code 10.0.0.0/8}, {@code fd00::/8}, or a single address ({@code 169.254.169.254}).
     *
     * @throws IllegalArgumentException naming the accepted forms
     */
    public static Cidr parse(String text) {
        String t = text.strip();
        int slash = t.indexOf('/');
        String addr = slash < 0 ? t : t.substring(0, slash);
        byte[] bytes = Ip.dottedQuad(addr).map(InetAddress::getAddress)
                .or(() -> Ip.ipv6(addr).map(InetAddress::getAddress))
                .orElseThrow(() -> new IllegalArgumentException("'" + text
                        + "' is not a CIDR range: write an address and a prefix length, e.g. 10.0.0.0/8 or fd00::/8"));
        int max = bytes.length * 8;
        int prefix = max;
        if (slash >= 0) {
            try {
                prefix = Integer.parseInt(t.substring(slash + 1));
            } catch (NumberFormatException e) {
                prefix = -1;
            }
            if (prefix < 0 || prefix > max) {
                throw new IllegalArgumentException("'" + text + "' has a bad prefix length: use 0 to " + max);
            }
        }
        return new Cidr(mask(bytes, prefix), prefix);
    }

    /** Whether {@code address} (4 or 16 bytes) is in this range; IPv4 ranges also match IPv4-mapped IPv6. */
    public boolean contains(byte[] address) {
        byte[] a = address;
        if (network.length == 4 && a.length == 16) {
            Optional<byte[]> v4 = embeddedV4(a);
            if (v4.isEmpty()) {
                return false;
            }
            a = v4.get();
        }
        if (a.length != network.length) {
            return false;
        }
        return Arrays.equals(mask(a, prefix), network);
    }

    private static Optional<byte[]> embeddedV4(byte[] a) {
        return isMapped(a) ? Optional.of(Arrays.copyOfRange(a, 12, 16)) : Optional.empty();
    }

    private static boolean isMapped(byte[] a) {
        for (int i = 0; i < 10; i++) {
            if (a[i] != 0) {
                return false;
            }
        }
        return (a[10] & 0xff) == 0xff && (a[11] & 0xff) == 0xff;
    }

    private static byte[] mask(byte[] bytes, int prefix) {
        byte[] out = bytes.clone();
        for (int i = 0; i < out.length; i++) {
            int bits = Math.max(0, Math.min(8, prefix - i * 8));
            out[i] = (byte) (out[i] & (0xff << (8 - bits)));
        }
        return out;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Cidr c && c.prefix == prefix && Arrays.equals(c.network, network);
    }

    @Override
    public int hashCode() {
        return 31 * Arrays.hashCode(network) + prefix;
    }

    @Override
    public String toString() {
        return text;
    }
}
