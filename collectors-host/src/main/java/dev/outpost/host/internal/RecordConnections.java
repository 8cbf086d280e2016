package dev.outpost.host.internal;

import dev.outpost.core.lifecycle.AcceptLoop;
import dev.outpost.core.lifecycle.ConnectionSlots;
import dev.outpost.core.lifecycle.Lifecycle;
import dev.outpost.host.records.RecordHttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The connections of a {@link RecordHttpServer} once its socket is bound: the acceptor, the caps on connections open
 * at once (in all and from one client) with the 503 of a connection over them, a thread for each admitted one, and
 * the reaper of those past their deadlines. Separate from the server, which keeps its settings, its lifecycle and its
 * builder, so that what bounds hostile clients' connections is read in one place.
 */
public final class RecordConnections {
    // the server's logger: operators filter on it, whichever class writes
    private static final Logger log = LoggerFactory.getLogger(RecordHttpServer.class);
    private static final byte[] TOO_MANY = tooMany();

    private final RecordHttpExchange exchange;
    private final Lifecycle lifecycle;
    private final boolean tls;
    private final Runnable beforeCounting;
    private final ConnectionSlots slots;
    private final Set<Socket> sockets = ConcurrentHashMap.newKeySet();
    private final AtomicLong refused = new AtomicLong();
    private ThreadPoolExecutor connections;
    private Thread reaper;

    /**
     * @param tls whether the sockets are TLS ones, which get no 503
     * @param beforeCounting runs on the acceptor before a connection is counted (a test seam)
     */
    public RecordConnections(RecordHttpExchange exchange, Lifecycle lifecycle, boolean tls, int maxConnections, int maxPerClient,
            Runnable beforeCounting) {
        this.exchange = exchange;
        this.lifecycle = lifecycle;
        this.tls = tls;
        this.slots = new ConnectionSlots(maxConnections, maxPerClient);
        this.beforeCounting = beforeCounting;
    }

    /**
     * Starts the connection pool, the acceptor on {@code server} and the reaper, whose period follows the shorter of
     * the timeouts.
     *
     * @throws RuntimeException or {@link Error} when a thread cannot be made: the caller then stops
     */
    public void start(ServerSocket server, Duration headerTimeout, Duration bodyTimeout) {
        // the cap is 'open', counted at admission; the pool must never refuse a connection admitted
        // under it while the thread of one just released is still on its way back to the pool
        connections = new ThreadPoolExecutor(0, Integer.MAX_VALUE, 30, TimeUnit.SECONDS, new SynchronousQueue<>(),
                lifecycle.role("connection"));
        lifecycle.newThread(() -> AcceptLoop.run(server, () -> !lifecycle.running(), log, "records http", this::admit),
                "acceptor").start();
        reaper = lifecycle.newThread(() -> reapLoop(headerTimeout, bodyTimeout), "reaper");
        reaper.start();
    }

    /** Closes every connection and stops the threads; the caller closed the server socket first. */
    public void stop() {
        for (Socket s : sockets) {
            RecordHttpExchange.abort(s); // a TLS socket blocked in a write would make a plain close wait for ever
        }
        if (connections != null) {
            connections.shutdownNow();
        }
        if (reaper != null) {
            reaper.interrupt();
        }
    }

    /** Connections closed at once because a cap was reached. */
    public long refused() {
        return refused.get();
    }

    /** Closes connections past their head, body or reply deadline. */
    private void reapLoop(Duration headerTimeout, Duration bodyTimeout) {
        Duration shortest = headerTimeout.compareTo(bodyTimeout) < 0 ? headerTimeout : bodyTimeout; // toMillis() overflows past 292e6 years
        long every = shortest.compareTo(Duration.ofSeconds(4)) >= 0 ? 1000 : Math.max(10, shortest.toMillis() / 4);
        while (lifecycle.running()) {
            try {
                Thread.sleep(every);
            } catch (InterruptedException e) {
                return;
            }
            try {
                exchange.closeOverdue();
            } catch (Throwable t) {
                log.error("records http: closing overdue connections failed: {}", t.toString(), t);
            }
        }
    }

    private void admit(Socket s) {
        InetAddress client = s.getInetAddress();
        beforeCounting.run();
        if (!slots.tryAcquire(client)) {
            refused.incrementAndGet();
            refuse(s);
            return;
        }
        sockets.add(s);
        try {
            connections.execute(() -> {
                try {
                    if (lifecycle.running()) { // else accepted as a shutdown began, after it closed the connections it knew
                        exchange.serve(s);
                    }
                } catch (Throwable t) {
                    log.error("records http: connection failed: {}", t.toString(), t);
                } finally {
                    // released before the close: a client that read the reply to its end (the close)
                    // and connects again is not counted twice
                    sockets.remove(s);
                    slots.release(client);
                    closeQuietly(s);
                }
            });
        } catch (RuntimeException | Error e) { // shut down meanwhile, or no thread could be made (OutOfMemoryError)
            sockets.remove(s);
            closeQuietly(s);
            slots.release(client); // or the slot would be lost for good
            if (e instanceof Error error) {
                throw error; // logged by the accept loop, which goes on
            }
        }
    }

    /** A best-effort 503 that never blocks the acceptor (the reply fits the socket buffer; TLS gets a plain close). */
    private void refuse(Socket s) {
        try {
            if (!tls) {
                OutputStream out = s.getOutputStream();
                out.write(TOO_MANY);
                out.flush();
            }
        } catch (IOException | RuntimeException ignored) {
            // the client went away
        } finally {
            closeQuietly(s);
        }
    }

    private static byte[] tooMany() {
        String body = "{\"status\":\"error\",\"message\":\"too many connections; try again later\"}";
        return ("HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/json\r\nConnection: close\r\n"
                + "Retry-After: 1\r\nContent-Length: " + body.length() + "\r\n\r\n" + body).getBytes(StandardCharsets.US_ASCII);
    }

    private static void closeQuietly(Socket s) {
        try {
            s.close();
        } catch (IOException ignored) {
            // closing anyway
        }
    }
}
