package dev.outpost.fleet;

import static org.assertj.core.api.Assertions.assertThat;

import dev.outpost.fleet.TestHosts.Behaviour;
import dev.outpost.spi.ForwardingTransport;
import dev.outpost.spi.Message;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The transport is user code: it may throw anything, an Error included, and only the host it was sending to pays. */
class TransportErrorTest {
    final TestHosts hosts = new TestHosts();

    @AfterEach
    void close() {
        hosts.close();
    }

    /**
     * Before: an Error thrown by the transport's send to h1 left fleet.call, so the caller got it instead of a call,
     * and h2, next in the loop, was never sent its request (it would have ended no-reply).
     */
    @Test
    void anErrorFromTheTransportForOneHostSettlesItNotDeliveredAndTheOthersRun() throws Exception {
        for (String id : new String[] {"h1", "h2"}) {
            hosts.add(id, Behaviour.OK, "web");
            hosts.start(id);
        }
        ForwardingTransport broken = new ForwardingTransport(hosts.transport) {
            @Override
            public CompletableFuture<Void> send(String destination, Message message) {
                if (destination.equals("requests-h1")) {
                    throw new AssertionError("a bug in the transport");
                }
                return super.send(destination, message);
            }

            @Override
            public void close() {
                // the shared transport is closed by its owner
            }
        };
        Fleet fleet = Fleet.builder(broken).registry(hosts.registry).clock(hosts.time).ticker(hosts.time.ticker())
                .pollWait(Duration.ofMillis(100)).build().start();
        hosts.closeables.add(fleet);
        FleetCall call = fleet.call(FleetRequest.builder("app.work").route(Route.DIRECT).deadline(Duration.ofSeconds(10)).build());
        FleetSummary s = call.summary().get(20, TimeUnit.SECONDS);
        assertThat(s.results().get("h1").outcome()).isEqualTo(Outcome.NOT_DELIVERED);
        assertThat(s.results().get("h2").outcome()).isEqualTo(Outcome.OK);
    }
}
