package dev.outpost.spi;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

class ForwardingTransportTest {
    @Test
    void everyMethodOfTransportIsForwardedTheDefaultOnesIncluded() throws Exception {
        // a method added to Transport later must be forwarded too, or decorators lose it silently
        for (Method m : Transport.class.getMethods()) {
            if (Modifier.isStatic(m.getModifiers())) {
                continue;
            }
            assertThat(ForwardingTransport.class.getDeclaredMethod(m.getName(), m.getParameterTypes())).as(m.getName()).isNotNull();
        }
    }

    @Test
    void callsReachTheDelegateUnchanged() throws Exception {
        List<String> seen = new ArrayList<>();
        Transport target = new Transport() {
            @Override
            public CompletableFuture<Void> send(String destination, Message message) {
                seen.add("send " + destination);
                return CompletableFuture.completedFuture(null);
            }

            @Override
            public List<Delivery> receive(String source, int maxMessages, Duration wait) {
                seen.add("receive " + source + " " + maxMessages + " " + wait);
                return List.of();
            }

            @Override
            public CompletableFuture<Void> ackBatch(List<? extends Delivery> deliveries) {
                seen.add("ackBatch " + deliveries.size());
                return CompletableFuture.completedFuture(null);
            }

            @Override
            public OptionalLong depth(String source) {
                return OptionalLong.of(7);
            }

            @Override
            public boolean receivesLocally() {
                return true;
            }

            @Override
            public int maxMessageBytes() {
                return 42;
            }

            @Override
            public java.util.Optional<Push> push(String source, java.util.function.Consumer<Delivery> receiver) {
                seen.add("push " + source);
                return java.util.Optional.of(() -> { });
            }

            @Override
            public void close() {
                seen.add("close");
            }
        };
        ForwardingTransport t = new ForwardingTransport(target) { };
        t.send("q", Message.of(new byte[] {1}));
        t.receive("q", 3, Duration.ofSeconds(1));
        t.ackBatch(List.of());
        t.close();
        assertThat(seen).containsExactly("send q", "receive q 3 PT1S", "ackBatch 0", "close");
        assertThat(t.depth("q")).hasValue(7);
        assertThat(t.receivesLocally()).isTrue();
        assertThat(t.maxMessageBytes()).isEqualTo(42);
        assertThat(t.push("q", d -> { })).as("never forwarded: the decorator's receive would be passed by").isEmpty();
        assertThat(seen).doesNotContain("push q");
    }
}
