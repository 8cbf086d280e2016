package dev.outpost.sqs.internal;

import java.util.Optional;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The I/O threads of an SDK client the transport creates: from the builder's threadFactory when one was given, else
 * daemons named {@code prefix}N. Netty opens each event loop's selector when the loop is made (in {@code build()}),
 * and closes it only on the loop's thread, which it makes on first use or at shutdown. A factory that gives no thread
 * (null, or throwing) failed every call with an error about {@code Thread.start}, and left every selector open after
 * {@code close()}: calls now fail with an {@link IllegalStateException} that names the factory, and a loop being shut
 * down gets a thread of ours when the factory gives none, to close its selector and end.
 */
final class IoThreads implements ThreadFactory {
    private final String client;
    private final String prefix;
    private final Optional<ThreadFactory> given;
    private final AtomicInteger n = new AtomicInteger();
    private volatile boolean closing;

    /**
     * @param client the client, as error messages name it ("SQS client")
     * @param prefix the name prefix of the threads made here
     */
    IoThreads(String client, String prefix, Optional<ThreadFactory> given) {
        this.client = client;
        this.prefix = prefix;
        this.given = given;
    }

    /** From now on a thread the factory does not give is one of ours: the event loop is shutting down. */
    void closing() {
        closing = true;
    }

    @Override
    public Thread newThread(Runnable r) {
        if (given.isEmpty()) {
            return daemon(r, prefix + n.incrementAndGet());
        }
        Thread t;
        try {
            t = given.get().newThread(r);
        } catch (RuntimeException | Error e) { // the user's code
            if (!closing) {
                throw new IllegalStateException("the transport's threadFactory failed to make one of the " + client
                        + "'s I/O threads: " + e, e);
            }
            t = null;
        }
        if (t != null) {
            return t;
        }
        if (!closing) {
            throw new IllegalStateException("the transport's threadFactory returned null for the " + client + "'s I/O threads");
        }
        return daemon(r, prefix + "close-" + n.incrementAndGet());
    }

    private static Thread daemon(Runnable r, String name) {
        Thread t = new Thread(r, name);
        t.setDaemon(true);
        return t;
    }
}
