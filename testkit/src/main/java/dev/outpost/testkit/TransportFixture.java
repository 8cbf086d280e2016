package dev.outpost.testkit;

import dev.outpost.spi.Transport;
import java.time.Duration;
import java.util.List;

/**
 * What a transport implementation gives {@link TransportContract}: the transport under test and a
 * way to create fresh destinations on it.
 *
 * <ul>
 *   <li>{@link TransportContract#fixture()} is called often (several times per test); return the
 *       same fixture or a cheap new one. The contract never closes the transport or the fixture:
 *       the implementing test class owns their lifecycle ({@code @BeforeAll}/{@code @AfterAll}
 *       for a shared server, {@code @AfterEach} for a per-test transport).
 *   <li>Every name passed in is a base ("visibility", "fan-a"). Create a new, empty destination
 *       and return the logical name the transport knows it by, unique if the server is shared
 *       between tests or runs (append a counter or a random suffix). The queues a test creates
 *       are its own; leftovers may be deleted after the class, or left to the server.
 *   <li>Visibility timeouts passed in are whole seconds from 1 to 60, as SQS takes them.
 *   <li>{@link #transport()} is called again after {@link #topic}, so a transport that learns its
 *       topic mapping at build time may be rebuilt there.
 *   <li>A transport without topics may throw {@code org.opentest4j.TestAbortedException} from
 *       {@link #topic} (or call {@code Assumptions.abort}); the fan-out test is then reported as
 *       skipped, not passed.
 * </ul>
 *
 * <p>The limit for the large-body test is {@link Transport#maxMessageBytes()} of the transport
 * itself (bodies up to 4 MiB are sent; a limit of 64 MiB or more is not probed for refusal).
 */
public interface TransportFixture {

    /** The transport under test; the contract never closes it. */
    Transport transport();

    /** Creates an empty queue whose received messages stay invisible for {@code visibility}. */
    String queue(String baseName, Duration visibility);

    /**
     * Creates an empty queue whose messages move to {@code deadLetterQueue} (a name returned by
     * {@link #queue}) instead of being received more than {@code maxReceiveCount} times, as an
     * SQS redrive policy does.
     */
    String queueWithRedrive(String baseName, Duration visibility, int maxReceiveCount, String deadLetterQueue);

    /**
     * Creates a topic that fans each message out to every one of {@code subscribedQueues} (names
     * returned by {@link #queue}) and returns its logical name.
     */
    String topic(String baseName, List<String> subscribedQueues);

    /** Whether {@link Transport#depth} reports a number (approximate is fine); the depth test is skipped if not. */
    default boolean reportsDepth() {
        return true;
    }

    /**
     * How far the server's timers may lag: deadlines (visibility, delays) are checked with this
     * much slack. Servers with one-second timer resolution (ElasticMQ) want about 1.2 s; the
     * default suits in-process transports.
     */
    default Duration timerSlack() {
        return Duration.ofMillis(200);
    }
}
