package dev.outpost.core.lifecycle;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import org.slf4j.Logger;

/**
 * The accepting thread's loop of a component that serves connections itself: it outlives whatever fails. A failing
 * {@code accept} (out of file descriptors) is logged once and every hundredth time, and retried after a back-off of
 * 10 ms doubling to 1 s, so it neither spins a core nor floods the log; whatever {@code admit} throws, an
 * {@link Error} included, closes that connection, is logged, and the loop goes on. See {@link ConnectionSlots} for an
 * example.
 */
public final class AcceptLoop {
    private AcceptLoop() {}

    /**
     * Accepts connections on {@code server} and hands each to {@code admit} on this thread, until {@code stopped} is
     * true; the owner ends it by setting that and closing the socket.
     *
     * @param log where failures go (the owner's logger: operators filter on it)
     * @param name the server, as log lines name it
     * @param admit takes a connection: counts it, hands it to a connection thread or refuses it, quickly
     */
    public static void run(ServerSocket server, BooleanSupplier stopped, Logger log, String name, Consumer<Socket> admit) {
        int failures = 0;
        while (!stopped.getAsBoolean()) {
            Socket socket;
            try {
                socket = server.accept();
            } catch (Throwable t) {
                if (stopped.getAsBoolean()) {
                    return;
                }
                failures++;
                if (failures == 1 || failures % 100 == 0) {
                    log.warn("{}: accept failed ({} in a row): {}", name, failures, t.toString());
                }
                LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(Math.min(1_000, 10L << Math.min(failures - 1, 7))));
                continue;
            }
            failures = 0;
            try {
                admit.accept(socket);
            } catch (Throwable t) {
                closeQuietly(socket);
                log.error("{}: could not take a connection: {}", name, t.toString(), t);
            }
        }
    }

    private static void closeQuietly(Socket s) {
        try {
            s.close();
        } catch (IOException e) {
            // the connection is gone either way
        }
    }
}
