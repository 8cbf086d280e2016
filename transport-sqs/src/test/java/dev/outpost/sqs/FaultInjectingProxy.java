package dev.outpost.sqs;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

/**
 * An HTTP/1.1 proxy on 127.0.0.1 in front of an SQS server (AWS JSON protocol) that lets a test
 * answer chosen calls itself: with throttling or a 5xx, or by rewriting a batch call so that some
 * of its entries fail. Everything else is forwarded. Bodies must carry a Content-Length (the SDK's
 * SQS calls do).
 */
final class FaultInjectingProxy implements AutoCloseable {
    /** One SQS call as the SDK made it: the operation ({@code SendMessageBatch}), the attempt (1 on the first try), the JSON body. */
    record Call(String operation, int attempt, String path, Map<String, String> headers, byte[] body) {
        String text() {
            return new String(body, StandardCharsets.UTF_8);
        }

        Call withBody(String json) {
            return new Call(operation, attempt, path, headers, json.getBytes(StandardCharsets.UTF_8));
        }
    }

    /** An HTTP answer. */
    record Reply(int status, Map<String, String> headers, byte[] body) {
        String text() {
            return new String(body, StandardCharsets.UTF_8);
        }

        /** An SQS error as the JSON protocol carries it; {@code code} is the query-compatible code the SDK reads. */
        static Reply error(int status, String code, boolean senderFault) {
            byte[] body = ("{\"__type\":\"com.amazonaws.sqs#" + code + "\",\"message\":\"injected by the test\"}")
                    .getBytes(StandardCharsets.UTF_8);
            return new Reply(status, Map.of("Content-Type", "application/x-amz-json-1.0",
                    "x-amzn-query-error", code + ";" + (senderFault ? "Sender" : "Receiver")), body);
        }

        Reply withBody(String json) {
            return new Reply(status, headers, json.getBytes(StandardCharsets.UTF_8));
        }
    }

    private static final Set<String> HOP_BY_HOP = Set.of("connection", "content-length", "expect", "host", "upgrade",
            "transfer-encoding", "keep-alive", "date", "via", "warning", "from", "te", "trailer");

    private final URI target;
    private final HttpClient upstream = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();
    private final ServerSocket server;
    private final List<Socket> open = new CopyOnWriteArrayList<>();
    private final Map<String, AtomicInteger> calls = new ConcurrentHashMap<>();
    private final Map<String, AtomicInteger> injected = new ConcurrentHashMap<>();
    private volatile Function<Call, Reply> handler = this::forward;

    FaultInjectingProxy(int targetPort) throws IOException {
        this.target = URI.create("http://127.0.0.1:" + targetPort);
        this.server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        Thread accept = new Thread(this::acceptLoop, "fault-proxy-accept");
        accept.setDaemon(true);
        accept.start();
    }

    int port() {
        return server.getLocalPort();
    }

    /** Decides every call from now on; {@link #forward} passes a call on, {@link #injected(Call)} counts an injection. */
    void handle(Function<Call, Reply> handler) {
        this.handler = handler;
    }

    /** Records that the test answered (or altered) {@code call} itself. */
    void injected(Call call) {
        injected.computeIfAbsent(call.operation(), k -> new AtomicInteger()).incrementAndGet();
    }

    /** Calls seen per operation, retries included. */
    int calls(String operation) {
        AtomicInteger n = calls.get(operation);
        return n == null ? 0 : n.get();
    }

    /** Calls the test answered or altered, per operation. */
    int injections(String operation) {
        AtomicInteger n = injected.get(operation);
        return n == null ? 0 : n.get();
    }

    int injections() {
        return injected.values().stream().mapToInt(AtomicInteger::get).sum();
    }

    /** Passes the call on to the server and returns its answer. */
    Reply forward(Call call) {
        HttpRequest.Builder req = HttpRequest.newBuilder(target.resolve(call.path())).timeout(Duration.ofSeconds(60))
                .POST(HttpRequest.BodyPublishers.ofByteArray(call.body()));
        call.headers().forEach((k, v) -> {
            if (!HOP_BY_HOP.contains(k.toLowerCase(Locale.ROOT))) {
                req.header(k, v);
            }
        });
        try {
            HttpResponse<byte[]> resp = upstream.send(req.build(), HttpResponse.BodyHandlers.ofByteArray());
            Map<String, String> headers = new LinkedHashMap<>();
            resp.headers().map().forEach((k, v) -> {
                if (!HOP_BY_HOP.contains(k.toLowerCase(Locale.ROOT)) && !k.startsWith(":")) {
                    headers.put(k, String.join(",", v));
                }
            });
            return new Reply(resp.statusCode(), headers, resp.body());
        } catch (IOException e) {
            return Reply.error(502, "InternalError", false);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Reply.error(502, "InternalError", false);
        }
    }

    private void acceptLoop() {
        while (!server.isClosed()) {
            try {
                Socket s = server.accept();
                open.add(s);
                Thread t = new Thread(() -> serve(s), "fault-proxy-conn");
                t.setDaemon(true);
                t.start();
            } catch (IOException e) {
                return;
            }
        }
    }

    /** One keep-alive connection: the SDK sends a request, waits for its answer, and may send another. */
    private void serve(Socket s) {
        try (s; InputStream in = new BufferedInputStream(s.getInputStream()); OutputStream out = s.getOutputStream()) {
            while (true) {
                String requestLine = line(in);
                if (requestLine == null || requestLine.isEmpty()) {
                    return;
                }
                Map<String, String> headers = new LinkedHashMap<>();
                for (String h = line(in); h != null && !h.isEmpty(); h = line(in)) {
                    int colon = h.indexOf(':');
                    headers.put(h.substring(0, colon).trim(), h.substring(colon + 1).trim());
                }
                int length = Integer.parseInt(header(headers, "Content-Length", "0"));
                byte[] body = in.readNBytes(length);
                String operation = header(headers, "X-Amz-Target", "?");
                operation = operation.substring(operation.indexOf('.') + 1);
                String attempt = header(headers, "amz-sdk-request", "attempt=1").replaceAll(".*attempt=(\\d+).*", "$1");
                Call call = new Call(operation, Integer.parseInt(attempt), requestLine.split(" ")[1], headers, body);
                calls.computeIfAbsent(operation, k -> new AtomicInteger()).incrementAndGet();
                write(out, handler.apply(call));
            }
        } catch (IOException | RuntimeException e) {
            // the client went away, or the proxy was closed
        } finally {
            open.remove(s);
        }
    }

    private static String header(Map<String, String> headers, String name, String otherwise) {
        for (Map.Entry<String, String> e : headers.entrySet()) {
            if (e.getKey().equalsIgnoreCase(name)) {
                return e.getValue();
            }
        }
        return otherwise;
    }

    private static void write(OutputStream out, Reply reply) throws IOException {
        StringBuilder head = new StringBuilder("HTTP/1.1 ").append(reply.status()).append(reply.status() < 400 ? " OK" : " Error")
                .append("\r\n");
        reply.headers().forEach((k, v) -> head.append(k).append(": ").append(v).append("\r\n"));
        head.append("Content-Length: ").append(reply.body().length).append("\r\n\r\n");
        out.write(head.toString().getBytes(StandardCharsets.ISO_8859_1));
        out.write(reply.body());
        out.flush();
    }

    private static String line(InputStream in) throws IOException {
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        int c;
        while ((c = in.read()) >= 0) {
            if (c == '\n') {
                byte[] b = buf.toByteArray();
                int n = b.length > 0 && b[b.length - 1] == '\r' ? b.length - 1 : b.length;
                return new String(b, 0, n, StandardCharsets.ISO_8859_1);
            }
            buf.write(c);
        }
        return buf.size() == 0 ? null : buf.toString(StandardCharsets.ISO_8859_1);
    }

    @Override
    public void close() throws IOException {
        server.close();
        for (Socket s : new ArrayList<>(open)) {
            s.close();
        }
    }
}
