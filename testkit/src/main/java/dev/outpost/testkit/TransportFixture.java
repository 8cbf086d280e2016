package dev.outpost.testkit;

import dev.outpost.spi.Transport;
import java.time.Duration;
import java.util.List;

/**
 * What a transport implementation gives {@link TransportContract}: the transport under test and
 * a way to create fresh destinations on it. Every name passed in is a base; return the logical
 * destination name the transport knows it by (make it unique if the server is shared between
 * tests, for example by appending a counter).
 */
public interface TransportFixture {

    /** The transport under test; the contract never closes it. */
    Transport transport();

    /** Creates an empty queue whose received messages stay invisible for {@code visibility}. */
    String queue(String baseName, Duration visibility);

    /**
     * Creates an empty queue that moves a message to {@code deadLetterQueue} (created by
     * {@link #queue}) once it was received more than {@code maxReceiveCount} times.
     */
    String queueWithRedrive(String baseName, Duration visibility, int maxReceiveCount, String deadLetterQueue);

    /** Creates a topic that fans each message out to every one of {@code subscribedQueues}. */
    String topic(String baseName, List<String> subscribedQueues);

    /** Whether {@link Transport#depth} reports a number (approximate is fine). */
    default boolean reportsDepth() {
        return true;
    }

    /**
     * How far the server's timers may lag: deadlines (visibility, delays) are checked with this
     * much slack. Servers with one-second timer resolution want about a second.
     */
    default Duration timerSlack() {
        return Duration.ofMillis(200);
    }
}
