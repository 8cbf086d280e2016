package dev.outpost.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetAddress;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** The policy on its own: no resolving, no connecting. */
class EgressPolicyTest {
    private final EgressPolicy policy = EgressPolicy.defaults();

    @ParameterizedTest(name = "{0} refused: {1}")
    @CsvSource(delimiter = '|', value = {
        "http://127.0.0.1/                    | loopback",
        "http://127.255.255.254:8080/x        | loopback",
        "http://[::1]/                        | loopback",
        "http://10.1.2.3/                     | private address (RFC 1918)",
        "http://172.16.0.1/                   | private address (RFC 1918)",
        "http://172.31.255.255/               | private address (RFC 1918)",
        "http://192.168.1.1/                  | private address (RFC 1918)",
        "http://169.254.169.254/latest/meta-data | cloud metadata",
        "http://169.254.1.1/                  | link-local",
        "http://[fd00:ec2::254]/              | cloud metadata",
        "http://[fe80::1]/                    | link-local",
        "http://100.64.0.1/                   | carrier-grade NAT",
        "http://100.127.255.255/              | carrier-grade NAT",
        "http://[fc00::1]/                    | unique-local",
        "http://[fd12:3456::1]/               | unique-local",
        "http://224.0.0.1/                    | multicast",
        "http://[ff02::1]/                    | multicast",
        "http://0.0.0.0/                      | unspecified",
        "http://[::]/                         | unspecified",
        "http://255.255.255.255/              | broadcast",
        "http://240.0.0.1/                    | reserved",
        "http://192.0.0.192/                  | IETF protocol assignment",
        "http://[::ffff:127.0.0.1]/           | loopback address",
        "http://[::ffff:7f00:1]/              | loopback address",
        "http://[::ffff:169.254.169.254]/     | cloud metadata address",
        "http://[::ffff:10.0.0.1]:81/         | private address (RFC 1918)",
        "http://[64:ff9b::a00:1]/             | NAT64 address embedding 10.0.0.1",
        "http://[2002:7f00:1::]/              | 6to4 address embedding 127.0.0.1",
        "http://[::127.0.0.1]/                | IPv4-compatible",
        "http://2130706433/                   | ambiguous numeric host (read as 127.0.0.1",
        "http://0177.0.0.1/                   | ambiguous numeric host (read as 127.0.0.1",
        "http://0x7f.1/                       | ambiguous numeric host (read as 127.0.0.1",
        "http://0x7f000001/                   | ambiguous numeric host (read as 127.0.0.1",
        "http://127.1/                        | ambiguous numeric host (read as 127.0.0.1",
        "http://017700000001/                 | ambiguous numeric host (read as 127.0.0.1",
        "http://10.0.1/                       | ambiguous numeric host (read as 10.0.0.1",
        "http://127.0.0.1./                   | trailing dot",
        "http://localhost./                   | trailing dot",
        "http://example.com./                 | trailing dot",
        "http://user:pw@127.0.0.1:8080/       | loopback",
        "http://%31%32%37.0.0.1/              | loopback",
        "HTTP://127.0.0.1/                    | loopback",
        "http://１２７.０.０.１/                  | loopback",
        "http://127.0.0.1%2e/                 | trailing dot",
        "http://0x7f.0x0.0x0.0x1/             | ambiguous numeric host (read as 127.0.0.1",
        "http://127.000.000.001/              | ambiguous numeric host (read as 127.0.0.1",
        "http://[0:0:0:0:0:ffff:127.0.0.1]/   | loopback address",
        "http://[::ffff:a9fe:a9fe]/           | cloud metadata address",
        // No '//' after the scheme: OkHttp reads the host 127.0.0.1, and that is the host judged.
        "http:127.0.0.1:80//[::ffff:8.8.8.8]/ | loopback address",
        "https:127.0.0.1:443//8.8.8.8/        | loopback address",
        "http:/127.0.0.1/                     | loopback address",
        "http:\\\\127.0.0.1\\x               | loopback address",
        "http:8.8.8.8//[::ffff:10.0.0.1]/     | URL not in canonical form",
        "http:/8.8.8.8/                       | URL not in canonical form",
        "http://8.8.8.8\\@10.0.0.1/           | URL not in canonical form",
        "http://%38.8.8.8/                    | URL not in canonical form",
        "http://bücher.example/               | URL not in canonical form",
        "http://8.8.8.8/a b                   | URL not in canonical form",
        "http://[::ffff:8.8.8.8%5d/           | URL not in canonical form",
        "http://[::ffff:8.8.8.8/              | not a valid absolute http or https URL",
        "http://evil.example@127.0.0.1/       | loopback",
        "http://127.0.0.1\\@evil.example/      | loopback",
    })
    void refusesForbiddenForms(String url, String reason) {
        assertThatThrownBy(() -> policy.checkUrl(url))
                .isInstanceOfSatisfying(EgressDeniedException.class, e -> {
                    assertThat(e.code()).isEqualTo("egress-denied");
                    assertThat(e.isRetryable()).isFalse();
                    assertThat(e.reason()).contains(reason);
                    assertThat(e.getMessage()).contains("allow-cidrs").doesNotContain("pw");
                });
    }

    @ParameterizedTest
    @ValueSource(strings = {"file:///etc/passwd", "gopher://127.0.0.1/", "ftp://example.com/", "jar:http://x/!/", "dict://x:11211/",
        "javascript:alert(1)", "//example.com/"})
    void refusesOtherSchemes(String url) {
        assertThatThrownBy(() -> policy.checkUrl(url))
                .isInstanceOfSatisfying(EgressDeniedException.class,
                        e -> assertThat(e.reason()).isEqualTo("only the http and https schemes are allowed"));
    }

    @Test
    void aRefusalNamesAKnownSchemeButNeverTheTextBeforeTheColonOfAUrlWithoutOne() {
        assertThatThrownBy(() -> policy.checkUrl("gopher://127.0.0.1/")).isInstanceOfSatisfying(EgressDeniedException.class,
                e -> assertThat(e.getMessage()).contains("gopher:"));
        // no scheme: 'user:password@host' reads as the scheme 'user', whatever it holds
        assertThatThrownBy(() -> policy.checkUrl("s3cr3t-t0ken:x@example.com/")).isInstanceOfSatisfying(EgressDeniedException.class,
                e -> assertThat(e.getMessage()).doesNotContain("s3cr3t").contains("only the http and https schemes"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"http://93.184.215.14/", "https://[2606:4700::1111]/", "https://example.com/a?b=c",
        "http://[::ffff:8.8.8.8]/", "http://1.1.1.1:8443/", "http://xn--bcher-kva.example/", "http://sub.example.co.uk/"})
    void allowsPublicDestinations(String url) {
        assertThatCode(() -> policy.checkUrl(url)).doesNotThrowAnyException();
    }

    @Test
    void explicitCidrAllowsTheRangeAndNothingElse() {
        EgressPolicy p = EgressPolicy.builder().allowCidr("127.0.0.0/8").allowCidr("169.254.169.254/32").allowCidr("fd00:ec2::254").build();
        assertThatCode(() -> p.checkUrl("http://127.0.0.1:9000/")).doesNotThrowAnyException();
        assertThatCode(() -> p.checkUrl("http://[::ffff:127.0.0.1]/")).doesNotThrowAnyException();
        assertThatCode(() -> p.checkUrl("http://169.254.169.254/latest/")).doesNotThrowAnyException();
        assertThatCode(() -> p.checkUrl("http://[fd00:ec2::254]/")).doesNotThrowAnyException();
        assertThatThrownBy(() -> p.checkUrl("http://169.254.169.253/")).isInstanceOf(EgressDeniedException.class);
        assertThatThrownBy(() -> p.checkUrl("http://[::1]/")).isInstanceOf(EgressDeniedException.class);
        assertThatThrownBy(() -> p.checkUrl("http://10.0.0.1/")).isInstanceOf(EgressDeniedException.class);
        // Odd encodings stay refused whatever is allowed.
        assertThatThrownBy(() -> p.checkUrl("http://2130706433/")).isInstanceOf(EgressDeniedException.class);
        assertThatThrownBy(() -> p.checkUrl("http://127.1/")).isInstanceOf(EgressDeniedException.class);
        assertThatThrownBy(() -> p.checkUrl("http://127.0.0.1./")).isInstanceOf(EgressDeniedException.class);
    }

    @Test
    void resolvedAddressesAreCheckedUnlessTheHostIsAllowed() throws Exception {
        InetAddress metadata = InetAddress.getByAddress("metadata.internal", new byte[] {(byte) 169, (byte) 254, (byte) 169, (byte) 254});
        assertThatThrownBy(() -> policy.checkAddress("metadata.internal", metadata))
                .isInstanceOfSatisfying(EgressDeniedException.class, e -> {
                    assertThat(e.host()).isEqualTo("metadata.internal");
                    assertThat(e.address()).contains("169.254.169.254");
                    assertThat(e.reason()).isEqualTo("cloud metadata address");
                });
        EgressPolicy p = EgressPolicy.builder().allowHost("metadata.internal").allowHost("*.corp.example").build();
        assertThatCode(() -> p.checkAddress("metadata.internal", metadata)).doesNotThrowAnyException();
        assertThatCode(() -> p.checkAddress("db.corp.example", metadata)).doesNotThrowAnyException();
        assertThatThrownBy(() -> p.checkAddress("corp.example", metadata)).isInstanceOf(EgressDeniedException.class);
        assertThatThrownBy(() -> p.checkAddress("evilcorp.example", metadata)).isInstanceOf(EgressDeniedException.class);
        assertThatThrownBy(() -> p.checkAddress("other.internal", metadata)).isInstanceOf(EgressDeniedException.class);
    }

    @Test
    void mappedIpv6AnswersAreJudgedByTheirIpv4Address() throws Exception {
        byte[] mapped = new byte[16];
        mapped[10] = (byte) 0xff;
        mapped[11] = (byte) 0xff;
        mapped[12] = 10;
        mapped[15] = 7;
        // InetAddress folds ::ffff:10.0.0.7 to 10.0.0.7; the policy sees the private address either way.
        InetAddress a = InetAddress.getByAddress("x.example", mapped);
        assertThatThrownBy(() -> policy.checkAddress("x.example", a))
                .isInstanceOfSatisfying(EgressDeniedException.class, e -> assertThat(e.reason()).contains("private"));
    }

    @Test
    void settingsAddAllowances() {
        EgressPolicy p = policy.withSettings(Map.of(EgressPolicy.ALLOW_CIDRS, "10.0.0.0/8, 192.168.0.0/16",
                EgressPolicy.ALLOW_HOSTS, "metadata.google.internal", "timeout", "5s"));
        assertThat(p.allowedCidrs()).containsExactly("10.0.0.0/8", "192.168.0.0/16");
        assertThat(p.allowedHosts()).containsExactly("metadata.google.internal");
        assertThatCode(() -> p.checkUrl("http://10.9.9.9/")).doesNotThrowAnyException();
        assertThat(policy.withSettings(Map.of("max-body-bytes", "10"))).isSameAs(policy);
        assertThat(p).isEqualTo(EgressPolicy.builder().allowCidr("192.168.0.0/16").allowCidr("10.0.0.0/8")
                .allowHost("metadata.google.internal").build());
    }

    @Test
    void badAllowancesAreRefusedWithTheirKey() {
        assertThatThrownBy(() -> policy.withSettings(Map.of(EgressPolicy.ALLOW_CIDRS, "10.0.0.0/33")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("allow-cidrs").hasMessageContaining("prefix");
        assertThatThrownBy(() -> policy.withSettings(Map.of(EgressPolicy.ALLOW_CIDRS, "intranet")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("allow-cidrs").hasMessageContaining("'intranet'");
        assertThatThrownBy(() -> policy.withSettings(Map.of(EgressPolicy.ALLOW_HOSTS, "10.0.0.1")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("allow-hosts").hasMessageContaining("allowCidr");
        assertThatThrownBy(() -> EgressPolicy.builder().allowHost("bad host")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> EgressPolicy.builder().allowCidr(null)).isInstanceOf(NullPointerException.class).hasMessage("cidr");
    }

    @Test
    void cidrsNormaliseToTheirNetwork() {
        assertThat(EgressPolicy.builder().allowCidr("10.1.2.3/8").allowCidr("fd00:ec2::254/16").build().allowedCidrs())
                .containsExactly("10.0.0.0/8", "fd00:0:0:0:0:0:0:0/16");
    }
}
