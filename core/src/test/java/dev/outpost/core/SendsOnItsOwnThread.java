package dev.outpost.core;

import dev.outpost.spi.ForwardingTransport;
import dev.outpost.spi.Message;
import dev.outpost.spi.Transport;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * A transport whose sends complete on a thread of its own, as on SQS (the SDK's), and only once
 * {@link #release()} was called, so that the worker's thread that sent is long gone by then. The
 * message itself is delivered at once.
 */
public final class SendsOnItsOwnThread extends ForwardingTransport {
    private final ExecutorService sdk = Executors.newSingleThreadExecutor();
    private final CountDownLatch mayComplete = new CountDownLatch(1);

    public SendsOnItsOwnThread(Transport real) {
        super(real);
    }

    @Override
    public CompletableFuture<Void> send(String destination, Message message) {
        CompletableFuture<Void> sent = new CompletableFuture<>();
        super.send(destination, message).whenComplete((v, e) -> sdk.execute(() -> {
            try {
                mayComplete.await();
            } catch (InterruptedException stopped) {
                Thread.currentThread().interrupt();
            }
            sent.complete(v);
        }));
        return sent;
    }

    /** Lets the sends held so far, and every later one, complete. */
    public void release() {
        mayComplete.countDown();
    }

    /** Ends the sending thread (the real transport is the caller's to close). */
    public void stopThread() {
        sdk.shutdownNow();
    }
}
