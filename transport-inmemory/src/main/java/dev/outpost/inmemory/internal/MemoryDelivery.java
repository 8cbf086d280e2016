package dev.outpost.inmemory.internal;

import dev.outpost.spi.Delivery;
import dev.outpost.spi.Message;
import dev.outpost.spi.TransportException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/** A receipt for one receive of one entry. */
public final class MemoryDelivery implements Delivery {
    private final MemoryQueue queue;
    private final Entry entry;
    private final long receipt;
    private final int receiveCount;
    private final Message message;

    MemoryDelivery(MemoryQueue queue, Entry entry, long receipt, int receiveCount) {
        this.queue = queue;
        this.entry = entry;
        this.receipt = receipt;
        this.receiveCount = receiveCount;
        this.message = entry.message;
    }

    @Override
    public String id() {
        return messageId() + "#" + receipt;
    }

    @Override
    public String messageId() {
        return entry.messageId(queue.name());
    }

    @Override
    public String source() {
        return queue.name();
    }

    @Override
    public Message message() {
        return message;
    }

    @Override
    public int receiveCount() {
        return receiveCount;
    }

    @Override
    public CompletableFuture<Void> ack() {
        queue.count(MemoryQueue.Ops.ACK);
        queue.ack(entry, receipt);
        return CompletableFuture.completedFuture(null);
    }

    @Override
    public CompletableFuture<Void> retry(Duration delay) {
        if (delay == null || delay.isNegative()) {
            return CompletableFuture.failedFuture(new IllegalArgumentException("delay must be zero or positive, was " + delay));
        }
        queue.count(MemoryQueue.Ops.RETRY);
        queue.retry(entry, receipt, nanos(delay));
        return CompletableFuture.completedFuture(null);
    }

    @Override
    public CompletableFuture<Void> extend(Duration visibility) {
        if (visibility == null || visibility.isNegative()) {
            return CompletableFuture.failedFuture(
                    new IllegalArgumentException("visibility must be zero or positive, was " + visibility));
        }
        queue.count(MemoryQueue.Ops.EXTEND);
        if (queue.closed()) {
            return CompletableFuture.failedFuture(new TransportException(queue.name(),
                    "in-memory transport is closed: the message stays in flight until its visibility runs out"));
        }
        queue.extend(entry, receipt, nanos(visibility));
        return CompletableFuture.completedFuture(null);
    }

    /** A century at most: a longer wait would overflow the ticker's nanoseconds (and means "not again" all the same). */
    private static final Duration LONGEST = Duration.ofDays(36_500);

    static long nanos(Duration d) {
        return d.compareTo(LONGEST) > 0 ? LONGEST.toNanos() : d.toNanos();
    }

    /** The queue this delivery came from (batched acks group by it). */
    public MemoryQueue queue() {
        return queue;
    }

    Entry entry() {
        return entry;
    }

    long receipt() {
        return receipt;
    }

    @Override
    public String toString() {
        return "Delivery[" + id() + ", receiveCount=" + receiveCount + "]";
    }

    /**
     * Acks the deliveries of the first one's queue under one lock, as that queue's {@link MemoryQueue#ackAll}; returns
     * the others (another queue's, another transport's), to be acked one by one.
     */
    public static List<Delivery> ackOneQueue(List<? extends Delivery> deliveries) {
        int n = deliveries.size();
        if (n == 0) {
            return List.of();
        }
        MemoryQueue q = deliveries.get(0) instanceof MemoryDelivery md ? md.queue() : null;
        List<MemoryDelivery> same = new ArrayList<>(n);
        List<Delivery> other = List.of();
        for (Delivery d : deliveries) {
            if (q != null && d instanceof MemoryDelivery md && md.queue() == q) {
                same.add(md);
            } else {
                if (other.isEmpty()) {
                    other = new ArrayList<>();
                }
                other.add(d);
            }
        }
        if (!same.isEmpty()) {
            q.ackAll(same);
        }
        return other;
    }
}
