package dev.outpost.http.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.outpost.http.EgressPolicy;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.concurrent.atomic.AtomicInteger;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

/** The socket's own check, whatever address reaches the connect. */
class PolicySocketFactoryTest {
    @Test
    void aForbiddenAddressIsNeverConnectedAndAnAllowedOneIs() throws Exception {
        AtomicInteger accepted = new AtomicInteger();
        try (ServerSocket listener = new ServerSocket(0, 16, InetAddress.getLoopbackAddress())) {
            Thread acceptor = new Thread(() -> {
                while (true) {
                    try (Socket s = listener.accept()) {
                        accepted.incrementAndGet();
                    } catch (Exception e) {
                        return;
                    }
                }
            });
            acceptor.setDaemon(true);
            acceptor.start();
            InetSocketAddress target = new InetSocketAddress(InetAddress.getLoopbackAddress(), listener.getLocalPort());

            PolicySocketFactory refusing = new PolicySocketFactory(EgressPolicy.defaults());
            try (Socket s = refusing.createSocket()) {
                assertThatThrownBy(() -> s.connect(target, 1000))
                        .isInstanceOfSatisfying(Refused.class, r -> assertThat(r.denial().reason()).isEqualTo("loopback address"));
                assertThat(s.isConnected()).isFalse();
            }
            assertThatThrownBy(() -> refusing.createSocket(InetAddress.getLoopbackAddress(), listener.getLocalPort()))
                    .isInstanceOf(Refused.class);

            PolicySocketFactory allowing = new PolicySocketFactory(EgressPolicy.builder().allowCidr("127.0.0.1/32").build());
            try (Socket s = allowing.createSocket()) {
                s.connect(target, 1000);
                assertThat(s.isConnected()).isTrue();
            }
            Awaitility.await().untilAsserted(() -> assertThat(accepted).hasValue(1));
        }
    }
}
