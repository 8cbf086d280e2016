package dev.outpost.inmemory.bench;

import dev.outpost.inmemory.InMemoryTransport;
import dev.outpost.spi.Delivery;
import dev.outpost.spi.Message;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;

/**
 * Messages per second through {@link InMemoryTransport}: send, receive (up to 10) and ack, with 1
 * and 2 threads, against a baseline measured in the same run: the same pattern on a JDK
 * {@link LinkedBlockingQueue} ({@code offer}, {@code drainTo}), which has no visibility, receipts
 * or accounting, so the ratio is what SQS semantics cost.
 *
 * <p>Not a unit test (surefire does not run it). Run briefly:
 *
 * <pre>
 * ./mvnw -q -B -pl transport-inmemory test-compile exec:java -Dexec.classpathScope=test \
 *     -Dexec.mainClass=dev.outpost.inmemory.bench.InMemoryTransportBenchmark [-Dexec.args="2 3"]
 * </pre>
 *
 * <p>Arguments: warm-up seconds and measured seconds per scenario (default 2 and 3).
 */
public final class InMemoryTransportBenchmark {
    private static final int BATCH = 10;
    private static final Message MESSAGE = Message.of(new byte[256]);

    private InMemoryTransportBenchmark() {}

    /** Runs every scenario and prints messages/s and the ratio against the baseline. */
    public static void main(String[] args) throws Exception {
        Duration warmup = Duration.ofSeconds(args.length > 0 ? Long.parseLong(args[0]) : 2);
        Duration measure = Duration.ofSeconds(args.length > 1 ? Long.parseLong(args[1]) : 3);
        System.out.printf(Locale.ROOT, "%d cores; %s warm-up, %s measured per scenario; 256-byte messages%n",
                Runtime.getRuntime().availableProcessors(), warmup, measure);
        System.out.printf(Locale.ROOT, "%-44s %14s %14s %7s%n", "scenario", "transport/s", "baseline/s", "ratio");
        for (int threads = 1; threads <= 2; threads++) {
            int n = threads;
            report("send+receive+ack, " + n + " thread(s) on one queue",
                    run(n, warmup, measure, transportCycle()), run(n, warmup, measure, baselineCycle()));
        }
        report("1 producer + 1 long-polling consumer", pipeline(warmup, measure, true), pipeline(warmup, measure, false));
    }

    private static void report(String scenario, double transport, double baseline) {
        System.out.printf(Locale.ROOT, "%-44s %,14.0f %,14.0f %6.2fx%n", scenario, transport, baseline, transport / baseline);
    }

    /** One cycle moves {@link #BATCH} messages; returns how many it moved. */
    private interface Cycle {
        int run(Object state) throws Exception;
    }

    private record Setup(Object state, Cycle cycle, AutoCloseable closer) {}

    private interface SetupFactory {
        Setup create();
    }

    private static SetupFactory transportCycle() {
        return () -> {
            InMemoryTransport t = InMemoryTransport.builder().maxQueuedBytes(1L << 30).build();
            List<Message> batch = new ArrayList<>();
            for (int i = 0; i < BATCH; i++) {
                batch.add(MESSAGE);
            }
            return new Setup(t, state -> {
                InMemoryTransport tr = (InMemoryTransport) state;
                for (Message m : batch) {
                    tr.send("q", m);
                }
                int moved = 0;
                for (Delivery d : tr.receive("q", BATCH, Duration.ZERO)) {
                    d.ack();
                    moved++;
                }
                return moved;
            }, t);
        };
    }

    private static SetupFactory baselineCycle() {
        return () -> {
            BlockingQueue<Message> q = new LinkedBlockingQueue<>();
            return new Setup(q, state -> {
                @SuppressWarnings("unchecked")
                BlockingQueue<Message> bq = (BlockingQueue<Message>) state;
                for (int i = 0; i < BATCH; i++) {
                    bq.offer(MESSAGE);
                }
                // a fresh list per cycle, as a receive returns one
                return bq.drainTo(new ArrayList<>(BATCH), BATCH);
            }, () -> {});
        };
    }

    /** {@code threads} threads run the cycle on one shared queue; returns messages/s over the measured window. */
    private static double run(int threads, Duration warmup, Duration measure, SetupFactory factory) throws Exception {
        Setup setup = factory.create();
        try (AutoCloseable ignored = setup.closer()) {
            LongAdder moved = new LongAdder();
            AtomicBoolean counting = new AtomicBoolean();
            AtomicBoolean stop = new AtomicBoolean();
            CountDownLatch done = new CountDownLatch(threads);
            List<Thread> workers = new ArrayList<>();
            for (int i = 0; i < threads; i++) {
                Cycle cycle = setup.cycle();
                Thread th = new Thread(() -> {
                    try {
                        while (!stop.get()) {
                            int n = cycle.run(setup.state());
                            if (counting.get()) {
                                moved.add(n);
                            }
                        }
                    } catch (Exception e) {
                        throw new IllegalStateException(e);
                    } finally {
                        done.countDown();
                    }
                }, "bench-" + i);
                workers.add(th);
            }
            workers.forEach(Thread::start);
            Thread.sleep(warmup.toMillis());
            counting.set(true);
            long t0 = System.nanoTime();
            Thread.sleep(measure.toMillis());
            counting.set(false);
            long elapsed = System.nanoTime() - t0;
            stop.set(true);
            if (!done.await(30, TimeUnit.SECONDS)) {
                throw new IllegalStateException("benchmark threads did not stop");
            }
            return moved.sum() * 1e9 / elapsed;
        }
    }

    /** One thread sends, one long-polls and acks; returns messages/s received. */
    private static double pipeline(Duration warmup, Duration measure, boolean transport) throws Exception {
        InMemoryTransport t = InMemoryTransport.builder().maxQueuedBytes(1L << 30).build();
        LinkedBlockingQueue<Message> bq = new LinkedBlockingQueue<>(100_000);
        LongAdder moved = new LongAdder();
        AtomicBoolean counting = new AtomicBoolean();
        AtomicBoolean stop = new AtomicBoolean();
        CountDownLatch done = new CountDownLatch(2);
        Thread producer = new Thread(() -> {
            try {
                while (!stop.get()) {
                    if (transport) {
                        // keep the backlog bounded like the baseline's capacity, so both measure a handoff
                        if (t.depth("q").getAsLong() > 100_000) {
                            Thread.onSpinWait();
                            continue;
                        }
                        t.send("q", MESSAGE);
                    } else {
                        bq.offer(MESSAGE, 10, TimeUnit.MILLISECONDS);
                    }
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } finally {
                done.countDown();
            }
        }, "bench-producer");
        Thread consumer = new Thread(() -> {
            List<Message> sink = new ArrayList<>(BATCH);
            try {
                while (!stop.get()) {
                    int n;
                    if (transport) {
                        List<Delivery> got = t.receive("q", BATCH, Duration.ofMillis(10));
                        for (Delivery d : got) {
                            d.ack();
                        }
                        n = got.size();
                    } else {
                        Message first = bq.poll(10, TimeUnit.MILLISECONDS);
                        sink.clear();
                        n = first == null ? 0 : 1 + bq.drainTo(sink, BATCH - 1);
                    }
                    if (counting.get()) {
                        moved.add(n);
                    }
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } finally {
                done.countDown();
            }
        }, "bench-consumer");
        producer.start();
        consumer.start();
        try {
            Thread.sleep(warmup.toMillis());
            counting.set(true);
            long t0 = System.nanoTime();
            Thread.sleep(measure.toMillis());
            counting.set(false);
            long elapsed = System.nanoTime() - t0;
            return moved.sum() * 1e9 / elapsed;
        } finally {
            stop.set(true);
            t.close();
            if (!done.await(30, TimeUnit.SECONDS)) {
                throw new IllegalStateException("benchmark threads did not stop");
            }
        }
    }
}
