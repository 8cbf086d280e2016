package dev.outpost.host.internal;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;

/**
 * Reads from a socket against an overall deadline (not a per-read timeout, which a client dripping
 * one byte at a time would reset forever): each read waits at most until the deadline.
 */
public final class DeadlineInputStream extends FilterInputStream {
    private final Socket socket;
    private volatile long deadlineNanos;

    public DeadlineInputStream(Socket socket, InputStream in) {
        super(in);
        this.socket = socket;
    }

    /** Reads from now on must complete within {@code nanos}. */
    public void deadlineIn(long nanos) {
        this.deadlineNanos = System.nanoTime() + nanos;
    }

    private void arm() throws IOException {
        long left = deadlineNanos - System.nanoTime();
        if (left <= 0) {
            throw new SocketTimeoutException("read deadline passed");
        }
        socket.setSoTimeout((int) Math.max(1, Math.min(Integer.MAX_VALUE, left / 1_000_000)));
    }

    @Override
    public int read() throws IOException {
        if (in instanceof java.io.BufferedInputStream b && b.available() > 0) {
            return in.read();
        }
        arm();
        return in.read();
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        arm();
        return in.read(b, off, len);
    }
}
