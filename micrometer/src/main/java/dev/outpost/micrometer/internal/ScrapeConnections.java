package dev.outpost.micrometer.internal;

import dev.outpost.core.lifecycle.AcceptLoop;
import dev.outpost.core.lifecycle.ConnectionSlots;
import dev.outpost.micrometer.PrometheusEndpoint;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The connections of a {@link PrometheusEndpoint} once its socket is bound: the acceptor, the caps on connections open
 * at once (in all and from one client) with the closing of one over them, a pooled thread serving each admitted one
 * its scrape, the reaper of those past their deadline, and the counts of each. Separate from the endpoint, which keeps
 * its settings, its builder and its start and stop, so that what bounds hostile clients is read in one place.
 */
public final class ScrapeConnections {
    // the endpoint's logger: operators filter on it, whichever class writes
    private static final Logger log = LoggerFactory.getLogger(PrometheusEndpoint.class);

    private final PrometheusMeterRegistry registry;
    private final int maxConnections;
    /** The request timeout as a deadline's nanos and a socket's read timeout, saturated: 30 days overflow an int of millis. */
    private final long timeoutNanos;
    private final int readTimeoutMillis;
    private final LongSupplier ticker;
    /** Runs on a connection's thread once its slot is given back, before the thread is idle again (tests). */
    private final Runnable afterRelease;
    /** Whether the endpoint is stopped: the acceptor and the reaper end then. */
    private final BooleanSupplier stopped;
    private final Map<Socket, Long> open = new ConcurrentHashMap<>();
    private final ConnectionSlots slots;
    private final AtomicLong refused = new AtomicLong();
    private final AtomicLong timedOut = new AtomicLong();
    private final AtomicLong scrapeFailures = new AtomicLong();
    private volatile ThreadPoolExecutor pool;

    public ScrapeConnections(PrometheusMeterRegistry registry, int maxConnections, int maxPerClient, Duration timeout,
            LongSupplier ticker, Runnable afterRelease, BooleanSupplier stopped) {
        this.registry = registry;
        this.maxConnections = maxConnections;
        this.timeoutNanos = timeout.compareTo(Duration.ofNanos(Long.MAX_VALUE)) >= 0 ? Long.MAX_VALUE : timeout.toNanos();
        this.readTimeoutMillis = (int) Math.max(1, Math.min(Integer.MAX_VALUE, TimeUnit.NANOSECONDS.toMillis(timeoutNanos)));
        this.ticker = ticker;
        this.afterRelease = afterRelease;
        this.stopped = stopped;
        this.slots = new ConnectionSlots(maxConnections, maxPerClient);
    }

    /** Makes the pool of the connections' threads; before the acceptor starts. */
    public void openPool(ThreadFactory threads) {
        // admission is the slots' job, as in the record store's: the pool must never refuse a connection admitted under
        // the cap while threads that gave their slot back are not idle yet (back-to-back scrapes can leave more than
        // one on its way back: twice the cap still refused one)
        pool = new ThreadPoolExecutor(0, Integer.MAX_VALUE, 30, TimeUnit.SECONDS, new SynchronousQueue<>(), threads);
    }

    /** Closes every open connection and stops the pool; returns it (null when it was never made) to wait for. */
    public ThreadPoolExecutor closeAll() {
        open.keySet().forEach(ScrapeConnections::closeQuietly);
        ThreadPoolExecutor p = pool;
        if (p != null) {
            p.shutdownNow();
        }
        return p;
    }

    /** Connections closed at once because a cap was reached. */
    public long refused() {
        return refused.get();
    }

    /** Connections closed because they did not finish within the request timeout. */
    public long timedOut() {
        return timedOut.get();
    }

    /** Scrapes that threw (answered 500). */
    public long scrapeFailures() {
        return scrapeFailures.get();
    }

    /** The acceptor's loop on {@code server}, until the endpoint stops. */
    public void accept(ServerSocket server) {
        // started while STARTING: only shutdown ends it
        AcceptLoop.run(server, stopped, log, "metrics endpoint", this::admit);
    }

    private void admit(Socket socket) {
        InetAddress client = socket.getInetAddress();
        if (!slots.tryAcquire(client)) {
            refused.incrementAndGet();
            closeQuietly(socket);
            return;
        }
        open.put(socket, ticker.getAsLong() + timeoutNanos); // may wrap: the reaper compares differences
        try {
            pool.execute(() -> handle(socket, client));
        } catch (RejectedExecutionException e) {
            refused.incrementAndGet();
            release(socket, client);
        } catch (RuntimeException | Error e) { // no thread could be made (OutOfMemoryError): else the slot is lost for good
            release(socket, client);
            throw e; // logged by the accept loop, which goes on
        }
    }

    private void handle(Socket socket, InetAddress client) {
        try {
            socket.setSoTimeout(readTimeoutMillis);
            ScrapeExchange.serve(socket, () -> {
                try {
                    return registry.scrape();
                } catch (Throwable t) {
                    scrapeFailures.incrementAndGet(); // before the 500 goes out, so a caller that saw it sees the count
                    throw t;
                }
            });
        } catch (SocketException | java.net.SocketTimeoutException e) {
            log.debug("metrics connection from {} ended: {}", client, e.toString());
        } catch (IOException e) {
            log.debug("metrics connection from {} failed: {}", client, e.toString());
        } catch (Throwable t) {
            log.warn("rendering the metrics failed (answered 500)", t);
        } finally {
            release(socket, client);
            afterRelease.run();
        }
    }

    private void release(Socket socket, InetAddress client) {
        open.remove(socket);
        // before the close: a scraper that read its response to the end (the close) may come straight back
        slots.release(client);
        closeQuietly(socket);
    }

    /** Closes connections past their deadline: a read timeout alone lets a client drip one byte per timeout forever. */
    public void reap() {
        long period = Math.max(10, Math.min(1000, TimeUnit.NANOSECONDS.toMillis(timeoutNanos) / 4));
        while (!stopped.getAsBoolean()) {
            try {
                Thread.sleep(period);
            } catch (InterruptedException e) {
                return;
            }
            try {
                long now = ticker.getAsLong();
                open.forEach((socket, deadline) -> {
                    if (now - deadline > 0 && open.remove(socket, deadline)) {
                        timedOut.incrementAndGet();
                        closeQuietly(socket);
                    }
                });
            } catch (Throwable t) {
                log.error("metrics endpoint reaper failed; going on", t);
            }
        }
    }

    /** Closes {@code c} if there is one, ignoring failures: closing is best effort, the socket is gone either way. */
    public static void closeQuietly(AutoCloseable c) {
        if (c == null) {
            return;
        }
        try {
            c.close();
        } catch (Exception e) {
            // closing is best effort; the socket is gone either way
        }
    }
}
