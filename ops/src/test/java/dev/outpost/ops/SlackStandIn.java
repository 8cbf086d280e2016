package dev.outpost.ops;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.java_websocket.WebSocket;
import org.java_websocket.handshake.ClientHandshake;
import org.java_websocket.server.WebSocketServer;

/**
 * A local stand-in for Slack: the Web API on a loopback HTTP server (apps.connections.open,
 * auth.test, chat.postMessage and the files.uploadV2 calls) and the Socket Mode protocol over a
 * real WebSocket on 127.0.0.1 (hello on connect, events_api envelopes, acks recorded).
 */
final class SlackStandIn implements AutoCloseable {
    record Post(String method, Map<String, String> form) {}

    final List<Post> posts = new CopyOnWriteArrayList<>();
    final List<String> uploads = new CopyOnWriteArrayList<>();
    final List<String> acks = new CopyOnWriteArrayList<>();
    final AtomicInteger connectionsOpened = new AtomicInteger();
    final AtomicInteger sockets = new AtomicInteger();
    private final HttpServer http;
    private final WebSocketServer ws;
    private volatile WebSocket current;

    SlackStandIn() throws IOException {
        ws = new WebSocketServer(new InetSocketAddress("127.0.0.1", 0)) {
            @Override
            public void onOpen(WebSocket conn, ClientHandshake handshake) {
                sockets.incrementAndGet();
                current = conn;
                conn.send("{\"type\":\"hello\",\"num_connections\":1,\"debug_info\":{\"host\":\"standin\"},"
                        + "\"connection_info\":{\"app_id\":\"A1\"}}");
            }

            @Override
            public void onClose(WebSocket conn, int code, String reason, boolean remote) {}

            @Override
            public void onMessage(WebSocket conn, String message) {
                acks.add(message);
            }

            @Override
            public void onError(WebSocket conn, Exception ex) {}

            @Override
            public void onStart() {}
        };
        ws.setReuseAddr(true);
        ws.start();
        http = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 16);
        http.createContext("/api/", this::api);
        http.createContext("/upload/", ex -> {
            uploads.add(new String(ex.getRequestBody().readNBytes(1 << 20), StandardCharsets.UTF_8));
            reply(ex, "OK");
        });
        http.start();
    }

    /** auth.test answers as Slack does to a revoked or mistyped token. */
    volatile boolean refuseTokens;
    /** The error auth.test answers with when {@link #refuseTokens}. */
    volatile String authTestError = "invalid_auth";

    String apiUrl() {
        return "http://127.0.0.1:" + http.getAddress().getPort() + "/api/";
    }

    int wsPort() throws InterruptedException {
        for (int i = 0; i < 1000 && ws.getPort() == 0; i++) {
            Thread.onSpinWait();
        }
        return ws.getPort();
    }

    private void api(HttpExchange ex) throws IOException {
        String method = ex.getRequestURI().getPath().substring("/api/".length());
        String body = new String(ex.getRequestBody().readNBytes(1 << 20), StandardCharsets.UTF_8);
        Map<String, String> form = new TreeMap<>();
        String q = ex.getRequestURI().getRawQuery();
        for (String src : new String[] {body, q == null ? "" : q}) {
            for (String pair : src.split("&")) {
                int eq = pair.indexOf('=');
                if (eq > 0) {
                    form.put(URLDecoder.decode(pair.substring(0, eq), StandardCharsets.UTF_8),
                            URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8));
                }
            }
        }
        posts.add(new Post(method, form));
        int port = http.getAddress().getPort();
        String json = switch (method) {
            case "apps.connections.open" -> {
                connectionsOpened.incrementAndGet();
                try {
                    yield "{\"ok\":true,\"url\":\"ws://127.0.0.1:" + wsPort() + "/link\"}";
                } catch (InterruptedException e) {
                    throw new IOException(e);
                }
            }
            case "auth.test" -> refuseTokens ? "{\"ok\":false,\"error\":\"" + authTestError + "\"}" : "{\"ok\":true,\"url\":\"https://x.slack.com/\",\"team\":\"t\",\"user\":\"bot\",\"team_id\":\"T1\","
                    + "\"user_id\":\"UBOT\",\"bot_id\":\"BBOT\"}";
            case "chat.postMessage" -> "{\"ok\":true,\"channel\":\"" + form.getOrDefault("channel", "") + "\",\"ts\":\"1.2\"}";
            case "files.getUploadURLExternal" -> "{\"ok\":true,\"upload_url\":\"http://127.0.0.1:" + port
                    + "/upload/F1\",\"file_id\":\"F1\"}";
            case "files.completeUploadExternal" -> "{\"ok\":true,\"files\":[{\"id\":\"F1\",\"title\":\"reply\"}]}";
            case "files.info" -> "{\"ok\":true,\"file\":{\"id\":\"F1\"}}";
            default -> "{\"ok\":false,\"error\":\"unknown_method\"}";
        };
        ex.getResponseHeaders().add("Content-Type", "application/json; charset=utf-8");
        reply(ex, json);
    }

    private static void reply(HttpExchange ex, String body) throws IOException {
        byte[] b = body.getBytes(StandardCharsets.UTF_8);
        ex.sendResponseHeaders(200, b.length);
        ex.getResponseBody().write(b);
        ex.close();
    }

    /** Sends a channel message event in an events_api envelope over the current socket (its ts follows from the event id). */
    void sendMessage(String envelopeId, String eventId, String user, String channel, String text) {
        sendEvent(envelopeId, eventId, "message", "channel", user, channel, "1." + Math.abs(eventId.hashCode()), text);
    }

    /** Sends an event ({@code message} or {@code app_mention}) of message {@code ts} in an events_api envelope. */
    void sendEvent(String envelopeId, String eventId, String type, String channelType, String user, String channel, String ts,
            String text) {
        sendEvent(envelopeId, eventId, type, channelType, user, channel, ts, null, text);
    }

    /** As above, the message in the thread of {@code threadTs} (none when null). */
    void sendEvent(String envelopeId, String eventId, String type, String channelType, String user, String channel, String ts,
            String threadTs, String text) {
        String json = "{\"envelope_id\":\"" + envelopeId + "\",\"type\":\"events_api\",\"accepts_response_payload\":false,"
                + "\"retry_attempt\":0,\"retry_reason\":\"\",\"payload\":{\"token\":\"t\",\"team_id\":\"T1\",\"api_app_id\":\"A1\","
                + "\"event\":{\"type\":\"" + type + "\",\"user\":\"" + user + "\",\"text\":\"" + text + "\",\"channel\":\"" + channel
                + "\",\"ts\":\"" + ts + (threadTs == null ? "" : "\",\"thread_ts\":\"" + threadTs)
                + "\",\"channel_type\":\"" + channelType + "\",\"event_ts\":\"" + ts
                + "\"},\"type\":\"event_callback\",\"event_id\":\"" + eventId + "\",\"event_time\":1}}";
        current.send(json);
    }

    boolean connected() {
        WebSocket c = current;
        return c != null && c.isOpen();
    }

    /** Drops the socket as a network failure would. */
    void drop() {
        current.closeConnection(1006, "dropped by the test");
    }

    @Override
    public void close() throws Exception {
        http.stop(0);
        ws.stop(1000);
    }
}
