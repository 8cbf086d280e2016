package dev.outpost.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.outpost.http.internal.SpecialPurpose;
import java.net.InetAddress;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every range of the IANA IPv4 and IPv6 special-purpose address registries, probed with an address
 * written here by hand (not derived from the table under test), as a URL literal and as a resolved
 * answer, IPv4 rows also as IPv4-mapped IPv6. A last test checks that every row of the table is
 * probed, so a row added to the table without a probe fails the build.
 */
class SpecialPurposeRangesTest {
    private static final String ALLOWED = "allowed";
    private final EgressPolicy policy = EgressPolicy.defaults();

    // address | expected reason (substring), or "allowed"
    static final List<String[]> PROBES = List.of(
            // IPv4 special-purpose registry
            row("0.1.2.3", "'this network'"),
            row("0.0.0.0", "unspecified"),
            row("10.200.3.4", "private"),
            row("100.100.0.1", "carrier-grade NAT"),
            row("127.9.9.9", "loopback"),
            row("169.254.3.4", "link-local"),
            row("169.254.169.254", "cloud metadata"),
            row("172.20.0.1", "private"),
            row("192.0.0.100", "IETF protocol assignment"),
            row("192.0.0.5", "service continuity"),
            row("192.0.0.8", "dummy"),
            row("192.0.0.9", "PCP anycast"),
            row("192.0.0.10", "TURN anycast"),
            row("192.0.0.170", "NAT64/DNS64 discovery"),
            row("192.0.0.171", "NAT64/DNS64 discovery"),
            row("192.0.2.77", "documentation"),
            row("192.31.196.1", ALLOWED),
            row("192.52.193.1", ALLOWED),
            row("192.88.99.1", "6to4 relay anycast"),
            row("192.88.99.2", "6a44 relay anycast"),
            row("192.168.100.1", "private"),
            row("192.175.48.6", ALLOWED),
            row("198.19.255.1", "benchmarking"),
            row("198.51.100.9", "documentation"),
            row("203.0.113.9", "documentation"),
            row("239.255.255.250", "multicast"),
            row("250.1.1.1", "reserved"),
            row("255.255.255.255", "broadcast"),
            row("8.8.8.8", ALLOWED),
            // IPv6 special-purpose registry
            row("::", "unspecified"),
            row("::1", "loopback"),
            row("::a00:1", "IPv4-compatible"),
            row("64:ff9b::808:808", ALLOWED),
            row("64:ff9b::7f00:1", "NAT64 address embedding 127.0.0.1 (loopback"),
            row("64:ff9b:1::1", "local-use NAT64"),
            row("100::1", "discard-only"),
            row("100:0:0:1::1", "dummy IPv6 prefix"),
            row("2001:0:4136:e378::1", "Teredo"),
            row("2001:1::1", "PCP anycast"),
            row("2001:1::2", "TURN anycast"),
            row("2001:1::3", "DNS-SD SRP anycast"),
            row("2001:1::4", "IETF protocol assignment"),
            row("2001:2::1", "benchmarking"),
            row("2001:3::1", ALLOWED),
            row("2001:4:112::1", ALLOWED),
            row("2001:10::1", "ORCHID"),
            row("2001:20::1", "ORCHIDv2"),
            row("2001:30::1", "drone remote ID"),
            row("2001:db8::1", "documentation"),
            row("2002:808:808::1", ALLOWED),
            row("2002:a00:1::1", "6to4 address embedding 10.0.0.1 (private"),
            row("2620:4f:8000::1", ALLOWED),
            row("3fff:1::1", "documentation"),
            row("5f00::1", "segment routing"),
            row("fc00::1", "unique-local"),
            row("fd00:ec2::254", "cloud metadata"),
            row("fe80::1", "link-local"),
            row("fec0::1", "site-local"),
            row("ff02::1", "multicast"),
            // IPv6 address space outside the registry: only 2000::/3 is global unicast
            row("::ffff:0:7f00:1", "outside global unicast"), // IPv4-translated (RFC 2765), was allowed
            row("4000::1", "outside global unicast"),
            row("e000::1", "outside global unicast"),
            row("2606:4700::1111", ALLOWED));

    private static String[] row(String address, String expected) {
        return new String[] {address, expected};
    }

    static Stream<Arguments> probes() {
        return PROBES.stream().map(p -> Arguments.of(p[0], p[1]));
    }

    @ParameterizedTest(name = "{0}: {1}")
    @MethodSource("probes")
    void eachRangeIsJudgedAsALiteralAndAsAnAnswer(String address, String expected) throws Exception {
        String url = address.indexOf(':') >= 0 ? "http://[" + address + "]/" : "http://" + address + "/";
        InetAddress answer = InetAddress.getByName(address); // a literal: never looked up
        if (expected.equals(ALLOWED)) {
            assertThatCode(() -> policy.checkUrl(url)).doesNotThrowAnyException();
            assertThatCode(() -> policy.checkAddress("host.example", answer)).doesNotThrowAnyException();
            return;
        }
        assertThatThrownBy(() -> policy.checkUrl(url))
                .isInstanceOfSatisfying(EgressDeniedException.class, e -> assertThat(e.reason()).contains(expected));
        assertThatThrownBy(() -> policy.checkAddress("host.example", answer))
                .isInstanceOfSatisfying(EgressDeniedException.class, e -> assertThat(e.reason()).contains(expected));
    }

    @ParameterizedTest(name = "::ffff:{0}: {1}")
    @MethodSource("probes")
    void ipv4MappedIsJudgedAsTheIpv4Address(String address, String expected) throws Exception {
        if (address.indexOf(':') >= 0) {
            return;
        }
        byte[] v4 = InetAddress.getByName(address).getAddress();
        byte[] mapped = new byte[16];
        mapped[10] = (byte) 0xff;
        mapped[11] = (byte) 0xff;
        System.arraycopy(v4, 0, mapped, 12, 4);
        // Inet6Address.getByAddress keeps the 16 bytes (InetAddress.getByAddress would fold them to IPv4).
        InetAddress asV6 = java.net.Inet6Address.getByAddress(null, mapped, -1);
        String url = "http://[::ffff:" + address + "]/";
        if (expected.equals(ALLOWED)) {
            assertThatCode(() -> policy.checkUrl(url)).doesNotThrowAnyException();
            assertThatCode(() -> policy.checkAddress("host.example", asV6)).doesNotThrowAnyException();
        } else {
            assertThatThrownBy(() -> policy.checkUrl(url))
                    .isInstanceOfSatisfying(EgressDeniedException.class, e -> assertThat(e.reason()).contains(expected));
            assertThatThrownBy(() -> policy.checkAddress("host.example", asV6))
                    .isInstanceOfSatisfying(EgressDeniedException.class, e -> assertThat(e.reason()).contains(expected));
        }
    }

    @Test
    void everyRowOfTheTableIsProbed() throws Exception {
        Set<String> probed = new HashSet<>();
        for (String[] p : PROBES) {
            SpecialPurpose.lookup(InetAddress.getByName(p[0]).getAddress()).ifPresent(r -> probed.add(r.cidr()));
        }
        assertThat(SpecialPurpose.all()).extracting(SpecialPurpose.Range::cidr).allSatisfy(cidr -> assertThat(probed).contains(cidr));
    }
}
