package dev.outpost.host.internal;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import javax.net.ssl.SSLSocket;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One HTTP/1.1 exchange of the record API on an accepted connection: the head within the header
 * deadline, the bearer token checked before a body is read, the body within its own deadline and
 * size cap, one reply, {@code Connection: close}. The server around it admits connections and
 * owns the threads.
 */
public final class RecordHttpExchange {
    private static final Logger log = LoggerFactory.getLogger(RecordHttpExchange.class);
    private final RecordApi api;
    private final byte[] tokenHash;
    private final int maxBodyBytes;
    private final Duration headerTimeout;
    private final Duration bodyTimeout;
    private final AtomicLong timedOut = new AtomicLong();
    /** How long past a head or body deadline a connection may take to be answered 408 before it is closed. */
    private static final long GRACE_NANOS = TimeUnit.SECONDS.toNanos(1);
    /**
     * Every connection being served, with the time (System.nanoTime) by which its current phase
     * (head, body, reply) must be over, or it is closed: a hard bound under the read deadlines,
     * which a TLS socket cannot keep (it reads a whole record, a read timeout per byte that comes),
     * and over the reply, whose blocking write has no timeout at all.
     */
    private final ConcurrentHashMap<Socket, Long> deadlines = new ConcurrentHashMap<>();

    /**
     * Body bytes that may be read and parsed at once across all connections: a body's tree takes
     * up to ~30 times its bytes, so the cap on each body and on connections alone let 64 clients
     * need gigabytes at once.
     */
    private final long maxBodyBytesInFlight;
    private final AtomicLong bodyBytesInFlight = new AtomicLong();
    private final Runnable bodyAdmitted;

    public RecordHttpExchange(RecordApi api, String token, int maxBodyBytes, long maxBodyBytesInFlight, Duration headerTimeout,
            Duration bodyTimeout, Runnable bodyAdmitted) {
        this.maxBodyBytesInFlight = maxBodyBytesInFlight;
        this.bodyAdmitted = bodyAdmitted;
        this.api = api;
        this.tokenHash = sha256(token.getBytes(StandardCharsets.UTF_8));
        this.maxBodyBytes = maxBodyBytes;
        this.headerTimeout = atMostACentury(headerTimeout);
        this.bodyTimeout = atMostACentury(bodyTimeout);
    }

    /** A deadline in nanoseconds must fit a long (292 years) with the clock added: longer means none anyway. */
    private static Duration atMostACentury(Duration d) {
        Duration century = Duration.ofDays(36_525);
        return d.compareTo(century) > 0 ? century : d;
    }

    /** Connections whose head or body did not arrive in time, or whose reply was not taken in time. */
    public long timedOut() {
        return timedOut.get();
    }

    /**
     * Closes every connection past its phase's deadline: a head or body still dripping (over TLS,
     * where the read deadline cannot cut a record short), or a reply the client has not taken
     * within the body timeout (a blocking write has no timeout of its own, and a client that stops
     * reading a large reply would otherwise hold its connection, and a slot of the cap, for ever).
     * The server calls this periodically.
     */
    public void closeOverdue() {
        long now = System.nanoTime();
        deadlines.forEach((s, deadline) -> {
            if (now - deadline >= 0 && deadlines.remove(s, deadline)) {
                timedOut.incrementAndGet();
                abort(s);
            }
        });
    }

    /** Reads one request from {@code s}, answers it, and returns; the caller closes the socket. */
    public void serve(Socket s) {
        deadlines.put(s, System.nanoTime() + headerTimeout.toNanos() + GRACE_NANOS);
        try {
            DeadlineInputStream in = new DeadlineInputStream(s, new BufferedInputStream(s.getInputStream(), 8192));
            long unread = exchange(s, in);
            if (unread > 0 || (unread == 0 && in.available() > 0)) {
                linger(s, in, unread);
            }
        } catch (IOException e) {
            // closed under us (past its deadline, counted there; or the server is shutting down), or reset or broken by
            // the client: its doing, which a hostile one repeats at will, so no error in the server's log for it
            log.debug("records http: connection from {} ended: {}", s.getInetAddress(), e.toString());
        } finally {
            deadlines.remove(s);
        }
    }

    /**
     * Serves the request on {@code s}.
     *
     * @return the bytes of its declared body left unread (a refusal before the body), or -1 when the client was too
     *     slow or went away (nothing to wait for)
     */
    private long exchange(Socket s, DeadlineInputStream in) throws IOException {
        in.deadlineIn(headerTimeout.toNanos()); // covers the TLS handshake and the whole head, however it drips
        OutputStream out = s.getOutputStream();
        HttpRequestHead head;
        try {
            head = HttpRequestHead.read(in);
        } catch (HttpRequestHead.Bad bad) {
            reply(s, out, RecordApi.fail(bad.status(), "request", bad.getMessage()));
            return 0;
        } catch (SocketTimeoutException e) {
            timedOut.incrementAndGet();
            reply(s, out, RecordApi.fail(408, "request", "the request head did not arrive within " + headerTimeout.toSeconds() + " s"));
            return -1;
        } catch (EOFException e) {
            return -1;
        }
        deadlines.remove(s); // the head is in; the body and the reply have deadlines of their own, the store none
        // the token is checked before anything else, and before a body is read
        if (!authorised(head)) {
            reply(s, out, RecordApi.fail(401, Map.of("WWW-Authenticate", "Bearer"), "authorization",
                    "a valid 'Authorization: Bearer <token>' header is required"));
            return head.contentLength().orElse(0);
        }
        Optional<String> method = RecordApi.methodFor(head.path());
        if (method.isEmpty()) {
            reply(s, out, RecordApi.fail(404, "path", "no such endpoint; use POST /api/v1/record, GET /api/test/count or /api/test/latest"));
            return head.contentLength().orElse(0);
        }
        if (!method.get().equals(head.method())) {
            reply(s, out, RecordApi.fail(405, Map.of("Allow", method.get()), "method", "use " + method.get()));
            return head.contentLength().orElse(0);
        }
        if (head.method().equals("POST")) {
            if (head.contentLength().isEmpty()) {
                reply(s, out, RecordApi.fail(411, "body", "Content-Length is required"));
                return head.contentLength().orElse(0);
            }
            if (head.contentLength().getAsLong() > maxBodyBytes) {
                reply(s, out, RecordApi.fail(413, "body", "body larger than " + maxBodyBytes + " bytes"));
                return head.contentLength().orElse(0);
            }
        }
        long share = head.method().equals("POST") ? head.contentLength().orElse(0) : 0; // a GET's body is never read
        if (!admit(share)) {
            // refused at once rather than waiting for a share: a waiting client would hold its connection and thread,
            // and its body would pile up in socket buffers; the shipper retries a sample and it is stored once
            reply(s, out, RecordApi.error(503, Map.of("Retry-After", "1"), "too many bodies being received at once; try again later"));
            return share;
        }
        RecordApi.Reply r;
        try {
            r = api.handle(head.path(), () -> readBody(s, in, (int) head.contentLength().orElse(0)));
        } catch (SocketTimeoutException e) {
            timedOut.incrementAndGet();
            reply(s, out, RecordApi.fail(408, "body", "the body did not arrive within " + bodyTimeout.toSeconds() + " s"));
            return -1;
        } catch (EOFException e) {
            return -1; // the client went away mid-body
        } catch (RuntimeException e) { // a store that failed unexpectedly (or was closed): still a JSend reply
            log.error("records http: {} failed: {}", head, e.toString(), e);
            r = RecordApi.error(500, "could not serve the request; try again later");
        } finally {
            bodyBytesInFlight.addAndGet(-share); // the body and its tree are garbage now; before the reply, which may be slow to go
        }
        reply(s, out, r);
        return head.method().equals("POST") ? 0 : head.contentLength().orElse(0); // a GET's body is never read
    }

    /** Takes {@code bytes} of the in-flight budget, if they are left. */
    private boolean admit(long bytes) {
        long used;
        do {
            used = bodyBytesInFlight.get();
            if (bytes > maxBodyBytesInFlight - used) { // no overflow near Long.MAX_VALUE
                return false;
            }
        } while (!bodyBytesInFlight.compareAndSet(used, used + bytes));
        return true;
    }

    private byte[] readBody(Socket s, DeadlineInputStream in, int length) throws IOException {
        deadlines.put(s, System.nanoTime() + bodyTimeout.toNanos() + GRACE_NANOS);
        in.deadlineIn(bodyTimeout.toNanos());
        bodyAdmitted.run();
        ByteArrayOutputStream body = new ByteArrayOutputStream(Math.min(length, 64 * 1024));
        byte[] buf = new byte[16 * 1024];
        int left = length;
        while (left > 0) {
            int n = in.read(buf, 0, Math.min(buf.length, left));
            if (n < 0) {
                throw new EOFException("body ended early");
            }
            body.write(buf, 0, n);
            left -= n;
        }
        deadlines.remove(s);
        return body.toByteArray();
    }

    /**
     * RFC 9112's staged close, after a reply that left input unread: half-closes (a TLS socket's close_notify is its
     * own end: not there), then reads and drops the rest of the declared body and whatever else has come (a request
     * after the first), within the shorter of the head and body timeouts (an unauthorised client is held no longer
     * than its head could take again). Closed with input unread, the connection would be reset instead, which fails
     * the write of a client still sending its body before it reads the 401 or 413 it was sent.
     */
    private void linger(Socket s, DeadlineInputStream in, long unread) {
        long nanos = Math.min(headerTimeout.toNanos(), bodyTimeout.toNanos());
        deadlines.put(s, System.nanoTime() + nanos + GRACE_NANOS);
        try {
            if (!(s instanceof SSLSocket)) {
                s.shutdownOutput();
            }
            in.deadlineIn(nanos);
            byte[] dropped = new byte[16 * 1024];
            long left = unread;
            int n;
            while ((left > 0 || in.available() > 0) && (n = in.read(dropped, 0, dropped.length)) >= 0) {
                left -= n;
            }
        } catch (IOException e) {
            // past its time, or the client reset: closed either way
        }
    }

    /**
     * Closes {@code s} at once, even while another thread is blocked writing to it: with SO_LINGER
     * 0, an {@code SSLSocket} does not wait for the blocked writer's lock to send its close_notify
     * (it would wait for ever) but shuts the output down, which fails the blocked write.
     */
    public static void abort(Socket s) {
        try {
            s.setSoLinger(true, 0);
        } catch (IOException | RuntimeException ignored) {
            // closed already
        }
        try {
            s.close();
        } catch (IOException | RuntimeException ignored) {
            // closing anyway
        }
    }

    private void reply(Socket s, OutputStream out, RecordApi.Reply r) {
        StringBuilder h = new StringBuilder(256);
        h.append("HTTP/1.1 ").append(r.status()).append(' ').append(reason(r.status())).append("\r\n");
        h.append("Content-Type: application/json\r\n");
        h.append("Content-Length: ").append(r.body().length).append("\r\n");
        h.append("Connection: close\r\n");
        r.headers().forEach((k, v) -> h.append(k).append(": ").append(v).append("\r\n"));
        h.append("\r\n");
        deadlines.put(s, System.nanoTime() + bodyTimeout.toNanos());
        try {
            out.write(h.toString().getBytes(StandardCharsets.US_ASCII));
            out.write(r.body());
            out.flush();
        } catch (IOException e) {
            // the client went away, or did not read in time; nothing else to do
        }
    }

    private static String reason(int status) {
        return switch (status) {
            case 200 -> "OK";
            case 201 -> "Created";
            case 400 -> "Bad Request";
            case 401 -> "Unauthorized";
            case 404 -> "Not Found";
            case 405 -> "Method Not Allowed";
            case 408 -> "Request Timeout";
            case 411 -> "Length Required";
            case 413 -> "Content Too Large";
            case 431 -> "Request Header Fields Too Large";
            case 503 -> "Service Unavailable";
            case 505 -> "HTTP Version Not Supported";
            default -> status >= 500 ? "Server Error" : "Error";
        };
    }

    private boolean authorised(HttpRequestHead head) {
        String header = head.header("Authorization").orElse("");
        if (header.length() < 7 || !header.regionMatches(true, 0, "Bearer ", 0, 7)) {
            return false;
        }
        // hashing first makes the comparison independent of the lengths too
        return MessageDigest.isEqual(tokenHash, sha256(header.substring(7).trim().getBytes(StandardCharsets.UTF_8)));
    }

    private static byte[] sha256(byte[] b) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(b);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
