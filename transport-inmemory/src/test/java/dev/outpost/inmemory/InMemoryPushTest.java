package dev.outpost.inmemory;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.outpost.spi.Delivery;
import dev.outpost.spi.Message;
import dev.outpost.spi.Transport;
import dev.outpost.spi.TransportException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** What the in-memory transport pushes ({@link Transport#push}), and what it leaves for a receive. */
class InMemoryPushTest {
    private final AtomicLong now = new AtomicLong();
    private final List<InMemoryTransport> transports = new ArrayList<>();
    private final List<Delivery> pushed = new CopyOnWriteArrayList<>();

    @AfterEach
    void stop() {
        transports.forEach(InMemoryTransport::close);
    }

    private InMemoryTransport transport(InMemoryTransport.Builder b) {
        InMemoryTransport t = b.ticker(now::get).build();
        transports.add(t);
        return t;
    }

    private InMemoryTransport transport() {
        return transport(InMemoryTransport.builder().visibilityTimeout(Duration.ofSeconds(30)));
    }

    private static Message m(String s) {
        return Message.of(s.getBytes(StandardCharsets.UTF_8));
    }

    private static List<String> texts(List<Delivery> ds) {
        return ds.stream().map(d -> new String(d.message().body(), StandardCharsets.UTF_8)).toList();
    }

    private Transport.Push push(InMemoryTransport t, String queue) {
        return t.push(queue, pushed::add).orElseThrow();
    }

    @Test
    void aMessageIsHandedToTheReceiverOnTheSendersThreadAndIsInFlightUntilAcked() throws Exception {
        InMemoryTransport t = transport();
        List<Thread> on = new CopyOnWriteArrayList<>();
        t.push("replies", d -> {
            on.add(Thread.currentThread());
            pushed.add(d);
        }).orElseThrow();
        t.send("replies", m("a")).join();
        assertThat(texts(pushed)).as("pushed before send() returned").containsExactly("a");
        assertThat(on).containsExactly(Thread.currentThread());
        assertThat(t.inFlight("replies")).isEqualTo(1);
        assertThat(t.stats().receives()).as("no receive was made").isZero();
        pushed.get(0).ack().join();
        assertThat(t.inFlight("replies")).isZero();
        assertThat(t.peek("replies")).isEmpty();
    }

    @Test
    void anUnackedPushComesBackToAReceiveAfterItsVisibilityTimeout() throws Exception {
        InMemoryTransport t = transport();
        push(t, "replies");
        t.send("replies", m("a")).join();
        now.addAndGet(Duration.ofSeconds(30).toNanos());
        List<Delivery> again = t.receive("replies", 10, Duration.ZERO);
        assertThat(texts(again)).containsExactly("a");
        assertThat(again.get(0).receiveCount()).isEqualTo(2);
        pushed.get(0).ack().join();
        assertThat(t.inFlight("replies")).as("the pushed delivery's receipt is stale").isEqualTo(1);
    }

    @Test
    void messagesWaitingForAReceiveKeepTheirOrder() throws Exception {
        InMemoryTransport t = transport();
        t.send("replies", m("first")).join();
        Transport.Push p = push(t, "replies");
        t.send("replies", m("second")).join();
        assertThat(pushed).as("not pushed past one waiting").isEmpty();
        assertThat(texts(t.receive("replies", 10, Duration.ZERO))).containsExactly("first", "second");
        t.send("replies", m("third")).join();
        assertThat(texts(pushed)).as("nothing waits before it now").containsExactly("third");
        p.close();
    }

    @Test
    void aMessageVisibleAgainAfterItsTimeoutIsNotPassedByAPush() throws Exception {
        InMemoryTransport t = transport();
        t.send("replies", m("first")).join();
        assertThat(texts(t.receive("replies", 10, Duration.ZERO))).containsExactly("first");
        now.addAndGet(Duration.ofSeconds(30).toNanos()); // its visibility timed out: it waits for a receive again
        push(t, "replies");
        t.send("replies", m("second")).join();
        assertThat(pushed).as("not pushed past one visible again").isEmpty();
        assertThat(texts(t.receive("replies", 10, Duration.ZERO))).containsExactly("first", "second");
    }

    @Test
    void aMessageHandedBackWithADelayThatEndedIsNotPassedByAPush() throws Exception {
        InMemoryTransport t = transport();
        t.send("replies", m("first")).join();
        t.receive("replies", 10, Duration.ZERO).get(0).retry(Duration.ofSeconds(1)).join();
        now.addAndGet(Duration.ofSeconds(1).toNanos());
        push(t, "replies");
        t.send("replies", m("second")).join();
        assertThat(pushed).as("not pushed past one whose delay ended").isEmpty();
        assertThat(texts(t.receive("replies", 10, Duration.ZERO))).containsExactly("first", "second");
    }

    @Test
    void aDelayingQueueIsNeverPushedFrom() throws Exception {
        InMemoryTransport t = transport(InMemoryTransport.builder()
                .queue("later", QueueOptions.builder().delay(Duration.ofSeconds(5)).build()));
        push(t, "later");
        t.send("later", m("a")).join();
        assertThat(pushed).isEmpty();
        now.addAndGet(Duration.ofSeconds(5).toNanos());
        assertThat(texts(t.receive("later", 10, Duration.ZERO))).containsExactly("a");
    }

    @Test
    void aTopicsCopyIsPushedToTheSubscribedQueueThatTakesPushes() throws Exception {
        InMemoryTransport t = transport(InMemoryTransport.builder().topic("all", "a", "b"));
        push(t, "a");
        t.send("all", m("x")).join();
        assertThat(texts(pushed)).containsExactly("x");
        assertThat(texts(t.receive("b", 10, Duration.ZERO))).containsExactly("x");
        assertThatThrownBy(() -> t.push("all", pushed::add)).isInstanceOf(TransportException.class)
                .hasMessageContaining("topic");
    }

    @Test
    void oneReceiverAQueueAndClosingAnOldPushNeverStopsTheNewOne() throws Exception {
        InMemoryTransport t = transport();
        Transport.Push first = push(t, "replies");
        List<Delivery> other = new CopyOnWriteArrayList<>();
        Consumer<Delivery> second = other::add;
        assertThat(t.push("replies", second)).as("another receiver has the queue").isEmpty();
        first.close();
        Transport.Push mine = t.push("replies", second).orElseThrow();
        first.close();
        t.send("replies", m("a")).join();
        assertThat(texts(other)).containsExactly("a");
        assertThat(pushed).isEmpty();
        mine.close();
    }

    @Test
    void whatAReceiverThrowsHandsItsDeliveryBackAtOnceAndTheSenderNeverSeesIt() throws Exception {
        InMemoryTransport t = transport();
        t.push("replies", d -> {
            throw new OutOfMemoryError("the receiver failed");
        }).orElseThrow();
        assertThat(t.send("replies", m("a"))).isCompleted();
        List<Delivery> back = t.receive("replies", 10, Duration.ZERO);
        assertThat(texts(back)).as("visible again at once, not after 30 s").containsExactly("a");
    }

    @Test
    void aClosedTransportRefusesAPush() {
        InMemoryTransport t = transport();
        t.close();
        assertThatThrownBy(() -> t.push("replies", pushed::add)).isInstanceOf(TransportException.class)
                .hasMessageContaining("closed");
    }
}
