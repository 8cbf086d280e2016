package dev.outpost.core.lifecycle;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

class ConnectionSlotsTest {
    private final InetAddress client = InetAddress.getLoopbackAddress();

    @Test
    void aReleaseRacingATakeCannotDetachTheClientsCount() {
        AtomicBoolean armed = new AtomicBoolean();
        ConnectionSlots[] slots = new ConnectionSlots[1];
        // the client's first connection ends just as its second is being counted
        slots[0] = new ConnectionSlots(10, 1, () -> {
            if (armed.compareAndSet(true, false)) {
                slots[0].release(client);
            }
        });
        assertThat(slots[0].tryAcquire(client)).isTrue();
        armed.set(true);
        assertThat(slots[0].tryAcquire(client)).as("the second, once the first ended").isTrue();

        // before: the second was counted on a counter the release had just unmapped, so a third began at 0
        assertThat(slots[0].tryAcquire(client)).as("a third while the second is open, with 1 per client").isFalse();
        slots[0].release(client);
        assertThat(slots[0].tryAcquire(client)).isTrue();
    }

    @Test
    void theTotalAndThePerClientCapsHoldAndAreGivenBack() throws Exception {
        ConnectionSlots slots = new ConnectionSlots(3, 2);
        InetAddress other = InetAddress.getByAddress(new byte[] {127, 0, 0, 2});
        assertThat(slots.tryAcquire(client)).isTrue();
        assertThat(slots.tryAcquire(client)).isTrue();
        assertThat(slots.tryAcquire(client)).isFalse();
        assertThat(slots.tryAcquire(other)).isTrue();
        assertThat(slots.tryAcquire(other)).as("the total").isFalse();
        slots.release(client);
        assertThat(slots.tryAcquire(other)).isTrue();
        assertThat(slots.tryAcquire(client)).isFalse();
    }

    @Test
    void anIpv6ClientIsItsSlash64NotEachOfItsAddresses() throws Exception {
        ConnectionSlots slots = new ConnectionSlots(100, 2);
        assertThat(slots.tryAcquire(InetAddress.getByName("2001:db8:1:2::1"))).isTrue();
        assertThat(slots.tryAcquire(InetAddress.getByName("2001:db8:1:2::2"))).isTrue();
        assertThat(slots.tryAcquire(InetAddress.getByName("2001:db8:1:2:ffff:ffff:ffff:ffff"))).as("a third address of the same /64")
                .isFalse();
        assertThat(slots.tryAcquire(InetAddress.getByName("2001:db8:1:3::1"))).as("the next /64 is another client").isTrue();
        slots.release(InetAddress.getByName("2001:db8:1:2::1"));
        assertThat(slots.tryAcquire(InetAddress.getByName("2001:db8:1:2::abcd"))).isTrue();
        assertThat(slots.open()).isEqualTo(3);
    }
}
