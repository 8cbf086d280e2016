package dev.outpost.inmemory.junit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.outpost.inmemory.InMemoryTransport;
import dev.outpost.spi.Message;
import dev.outpost.spi.TransportException;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;

class InMemoryTransportExtensionTest {

    @Nested
    @ExtendWith(InMemoryTransportExtension.class)
    @TestMethodOrder(MethodOrderer.OrderAnnotation.class)
    class Declared {
        static final List<InMemoryTransport> seen = new ArrayList<>();
        InMemoryTransport fromSetUp;

        @BeforeEach
        void setUp(InMemoryTransport transport) {
            fromSetUp = transport;
        }

        @Test
        @Order(1)
        void aTestAndItsSetUpShareOneTransport(InMemoryTransport transport) {
            assertThat(transport).isSameAs(fromSetUp);
            transport.send("q", Message.of(new byte[1])).join();
            seen.add(transport);
        }

        @Test
        @Order(2)
        void theNextTestGetsAFreshOneAndThePreviousIsClosed(InMemoryTransport transport) {
            assertThat(transport.peek("q")).isEmpty();
            assertThat(seen).hasSize(1).doesNotContain(transport);
            assertThatThrownBy(() -> seen.get(0).send("q", Message.of(new byte[1])).join())
                    .hasCauseInstanceOf(TransportException.class).hasMessageContaining("closed");
            seen.add(transport);
        }

        @AfterAll
        static void bothRan() {
            assertThat(seen).hasSize(2);
        }
    }

    @Nested
    class Registered {
        @RegisterExtension
        final InMemoryTransportExtension memory = InMemoryTransportExtension.configured(b -> b.autoCreate(false));

        @Test
        void theCustomisedTransportIsReachableFromTheField(InMemoryTransport transport) {
            assertThat(memory.transport()).isSameAs(transport);
            assertThatThrownBy(() -> transport.send("unknown", Message.of(new byte[1])).join())
                    .hasCauseInstanceOf(TransportException.class).hasMessageContaining("auto-create");
        }
    }

    @Test
    void outsideATestThereIsNoTransport() {
        assertThatThrownBy(() -> InMemoryTransportExtension.configured(b -> {}).transport())
                .isInstanceOf(IllegalStateException.class);
    }
}
