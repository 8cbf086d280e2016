package dev.outpost.http.internal;

import java.util.Comparator;
import java.util.List;
import java.util.Optional;

/**
 * The IANA special-purpose address registries as a table: what the egress policy does with each
 * range. Every range of the registries is listed, including those it allows, so that a reader can
 * check the table against the registries line by line and the tests can probe each one.
 *
 * <p>The rule: a range is refused unless the registry marks it globally reachable. Of those marked
 * reachable, the anycast services answered by a nearby device (PCP, TURN, DNS-SD SRP, 6a44 relay)
 * and the ORCHID / DET identifier prefixes (identifiers, not locators) are refused too. Ranges that
 * embed an IPv4 address (NAT64, 6to4) are judged by that address. The most specific range wins.
 */
public final class SpecialPurpose {
    /** What the policy does with a range. */
    public enum Action {
        /** Refused by default (an operator can still allow it with allow-cidrs). */
        REFUSE,
        /** Globally reachable: allowed. */
        ALLOW,
        /** Judged by the IPv4 address embedded at {@link Range#embeddedAt()}. */
        EMBEDDED_IPV4
    }

    /**
     * One row.
     *
     * @param network the first address
     * @param prefix the prefix length
     * @param cidr the range as the registry writes it
     * @param name the registry's name for it (the reason given when refused)
     * @param action what the policy does
     * @param embeddedAt for {@link Action#EMBEDDED_IPV4}, the byte offset of the IPv4 address
     */
    public record Range(byte[] network, int prefix, String cidr, String name, Action action, int embeddedAt) {
        boolean contains(byte[] a) {
            if (a.length != network.length) {
                return false;
            }
            int full = prefix / 8;
            for (int i = 0; i < full; i++) {
                if (a[i] != network[i]) {
                    return false;
                }
            }
            int rest = prefix % 8;
            if (rest == 0) {
                return true;
            }
            int mask = (0xff << (8 - rest)) & 0xff;
            return (a[full] & mask) == (network[full] & mask);
        }
    }

    private static Range refuse(String cidr, String name) {
        return range(cidr, name, Action.REFUSE, -1);
    }

    private static Range allow(String cidr, String name) {
        return range(cidr, name, Action.ALLOW, -1);
    }

    private static Range range(String cidr, String name, Action action, int embeddedAt) {
        int slash = cidr.indexOf('/');
        String addr = cidr.substring(0, slash);
        byte[] bytes = addr.indexOf(':') >= 0 ? Ip.ipv6Bytes(addr).orElseThrow() : Ip.dottedQuad(addr).orElseThrow().getAddress();
        return new Range(bytes, Integer.parseInt(cidr.substring(slash + 1)), cidr, name, action, embeddedAt);
    }

    // IANA "IPv4 Special-Purpose Address Registry" (iana-ipv4-special-registry, RFC 6890), every entry,
    // plus multicast from the "IPv4 Multicast Address Space Registry" and the cloud metadata address.
    private static final List<Range> V4 = sorted(List.of(
            refuse("0.0.0.0/8", "'this network' address (0.0.0.0/8)"),
            refuse("0.0.0.0/32", "unspecified address"),
            refuse("10.0.0.0/8", "private address (RFC 1918)"),
            refuse("100.64.0.0/10", "carrier-grade NAT address (RFC 6598)"),
            refuse("127.0.0.0/8", "loopback address"),
            refuse("169.254.0.0/16", "link-local address"),
            refuse("169.254.169.254/32", "cloud metadata address"),
            refuse("172.16.0.0/12", "private address (RFC 1918)"),
            refuse("192.0.0.0/24", "IETF protocol assignment (192.0.0.0/24)"),
            refuse("192.0.0.0/29", "IPv4 service continuity prefix (RFC 7335)"),
            refuse("192.0.0.8/32", "IPv4 dummy address (RFC 7600)"),
            refuse("192.0.0.9/32", "PCP anycast address, answered by a nearby device (RFC 7723)"),
            refuse("192.0.0.10/32", "TURN anycast address, answered by a nearby device (RFC 8155)"),
            refuse("192.0.0.170/32", "NAT64/DNS64 discovery address (RFC 8880)"),
            refuse("192.0.0.171/32", "NAT64/DNS64 discovery address (RFC 8880)"),
            refuse("192.0.2.0/24", "documentation address (RFC 5737)"),
            allow("192.31.196.0/24", "AS112-v4 (RFC 7535)"),
            allow("192.52.193.0/24", "AMT (RFC 7450)"),
            refuse("192.88.99.0/24", "6to4 relay anycast address (deprecated, RFC 7526)"),
            refuse("192.88.99.2/32", "6a44 relay anycast address, answered by a nearby device (RFC 6751)"),
            refuse("192.168.0.0/16", "private address (RFC 1918)"),
            allow("192.175.48.0/24", "direct delegation AS112 service (RFC 7534)"),
            refuse("198.18.0.0/15", "benchmarking address (RFC 2544)"),
            refuse("198.51.100.0/24", "documentation address (RFC 5737)"),
            refuse("203.0.113.0/24", "documentation address (RFC 5737)"),
            refuse("224.0.0.0/4", "multicast address"),
            refuse("240.0.0.0/4", "reserved address (240.0.0.0/4)"),
            refuse("255.255.255.255/32", "broadcast address")));

    // IANA "IPv6 Special-Purpose Address Registry" (iana-ipv6-special-registry, RFC 6890), every entry
    // but ::ffff:0:0/96 (IPv4-mapped, unwrapped before this table: it is the IPv4 address), plus from
    // the "IPv6 Address Space" registry what is not global unicast (multicast, site-local, the
    // deprecated IPv4-compatible ::/96), and the cloud metadata address. Addresses outside
    // 2000::/3 that no row names are refused too (see Ip.forbidden).
    private static final List<Range> V6 = sorted(List.of(
            refuse("::/128", "unspecified address"),
            refuse("::1/128", "loopback address"),
            refuse("::/96", "IPv4-compatible IPv6 address (deprecated, reserved)"),
            range("64:ff9b::/96", "NAT64 address", Action.EMBEDDED_IPV4, 12),
            refuse("64:ff9b:1::/48", "local-use NAT64 address (RFC 8215)"),
            refuse("100::/64", "discard-only address (RFC 6666)"),
            refuse("100:0:0:1::/64", "dummy IPv6 prefix (RFC 9780)"),
            refuse("2001::/23", "IETF protocol assignment (2001::/23)"),
            refuse("2001::/32", "Teredo tunnel address"),
            refuse("2001:1::1/128", "PCP anycast address, answered by a nearby device (RFC 7723)"),
            refuse("2001:1::2/128", "TURN anycast address, answered by a nearby device (RFC 8155)"),
            refuse("2001:1::3/128", "DNS-SD SRP anycast address, answered by a nearby device (RFC 9665)"),
            refuse("2001:2::/48", "benchmarking address (RFC 5180)"),
            allow("2001:3::/32", "AMT (RFC 7450)"),
            allow("2001:4:112::/48", "AS112-v6 (RFC 7535)"),
            refuse("2001:10::/28", "ORCHID identifier (deprecated, RFC 4843)"),
            refuse("2001:20::/28", "ORCHIDv2 identifier, not a locator (RFC 7343)"),
            refuse("2001:30::/28", "drone remote ID entity tag, not a locator (RFC 9374)"),
            refuse("2001:db8::/32", "documentation address (RFC 3849)"),
            range("2002::/16", "6to4 address", Action.EMBEDDED_IPV4, 2),
            allow("2620:4f:8000::/48", "direct delegation AS112 service (RFC 7534)"),
            refuse("3fff::/20", "documentation address (RFC 9637)"),
            refuse("5f00::/16", "segment routing (SRv6) SID (RFC 9602)"),
            refuse("fc00::/7", "unique-local IPv6 address (fc00::/7)"),
            refuse("fd00:ec2::254/128", "cloud metadata address"),
            refuse("fe80::/10", "link-local address"),
            refuse("fec0::/10", "site-local IPv6 address (deprecated)"),
            refuse("ff00::/8", "multicast address")));

    private SpecialPurpose() {}

    private static List<Range> sorted(List<Range> rows) {
        // Most specific first: the first row that contains an address decides.
        return rows.stream().sorted(Comparator.comparingInt(Range::prefix).reversed()).toList();
    }

    /** Every row, IPv4 then IPv6. */
    public static List<Range> all() {
        return java.util.stream.Stream.concat(V4.stream(), V6.stream()).toList();
    }

    /** The most specific row containing {@code address} (4 or 16 bytes), if any. */
    public static Optional<Range> lookup(byte[] address) {
        for (Range r : address.length == 4 ? V4 : V6) {
            if (r.contains(address)) {
                return Optional.of(r);
            }
        }
        return Optional.empty();
    }
}
