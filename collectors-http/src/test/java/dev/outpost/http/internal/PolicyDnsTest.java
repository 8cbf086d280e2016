package dev.outpost.http.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.outpost.http.EgressPolicy;
import java.net.InetAddress;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** The Dns hook on its own: answers are checked when resolved, nothing is connected. */
class PolicyDnsTest {
    private static final byte[] PUBLIC = {93, (byte) 184, (byte) 215, 14};
    private static final byte[] METADATA = {(byte) 169, (byte) 254, (byte) 169, (byte) 254};

    @Test
    void aResolverThatAnswersPublicThenPrivateIsRefusedOnTheSecondAnswer() throws Exception {
        AtomicInteger calls = new AtomicInteger();
        PolicyDns dns = new PolicyDns(host -> List.of(InetAddress.getByAddress(host, calls.incrementAndGet() == 1 ? PUBLIC : METADATA)),
                EgressPolicy.defaults());
        assertThat(dns.lookup("flip.example")).extracting(InetAddress::getHostAddress).containsExactly("93.184.215.14");
        assertThatThrownBy(() -> dns.lookup("flip.example"))
                .isInstanceOfSatisfying(Refused.class, r -> {
                    assertThat(r.denial().address()).contains("169.254.169.254");
                    assertThat(r.denial().reason()).isEqualTo("cloud metadata address");
                });
    }
}
