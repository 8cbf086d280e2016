package dev.outpost.host.records;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.outpost.Json;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.stream.Stream;
import okhttp3.tls.HandshakeCertificates;
import okhttp3.tls.HeldCertificate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The shipper's HTTP API, driven by the JDK's HTTP client against the running server on 127.0.0.1. */
class RecordHttpServerTest {
    private static final String TOKEN = "s3cr3t-token-for-tests-0123456789";
    private static final String RECORD = """
            {"uuid": "a9201032-1e1f-40a2-8995-8472a76dd7d2", "timestamp": "1593338576.5624585",
             "data": [{"pid": 1, "name": "systemd", "cmdline": ["/usr/lib/systemd/systemd"]}]}""";

    @TempDir
    Path tmp;
    private RecordStore store;
    private RecordHttpServer server;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    @BeforeEach
    void start() throws Exception {
        store = RecordStore.builder(tmp.resolve("records")).build().start();
        server = RecordHttpServer.builder(store, TOKEN).port(0).build().start();
    }

    @AfterEach
    void stop() {
        server.close();
        store.close();
    }

    private HttpResponse<String> send(String method, String path, String body, String authorization) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + path))
                .timeout(Duration.ofSeconds(10)).header("Content-Type", "application/json")
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        if (authorization != null) {
            b.header("Authorization", authorization);
        }
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    private HttpResponse<String> send(String method, String path, String body) throws Exception {
        return send(method, path, body, "Bearer " + TOKEN);
    }

    private static JsonNode json(HttpResponse<String> r) {
        assertThat(r.headers().firstValue("Content-Type")).hasValue("application/json");
        return Json.parse(r.body());
    }

    @Test
    void aRecordAsDeepAsTheParserAllowsIsServedByLatestToo() throws Exception {
        // the whole body at the parser's limit of 1000 levels: data is 999 of them; the reply nests it 2 deeper
        String deep = "{\"uuid\": \"web-01\", \"id\": \"deep\", \"data\": " + "[".repeat(999) + "]".repeat(999) + "}";
        assertThat(send("POST", "/api/v1/record", deep).statusCode()).isEqualTo(201);
        HttpResponse<String> latest = send("GET", "/api/test/latest", null);
        assertThat(latest.statusCode()).isEqualTo(200);
        assertThat(latest.body()).startsWith("{\"status\":\"success\"").contains("[".repeat(999) + "]".repeat(999));
    }

    @Test
    void everyRouteAnswersJSendWhenTheStoreFailsUnexpectedly() throws Exception {
        store.close(); // the store now throws IllegalStateException from count, latest and store
        for (String[] r : new String[][] {{"GET", "/api/test/count", null}, {"GET", "/api/test/latest", null},
                {"POST", "/api/v1/record", RECORD}}) {
            HttpResponse<String> reply = send(r[0], r[1], r[2]);
            assertThat(reply.statusCode()).as(r[1]).isEqualTo(500);
            assertThat(json(reply).path("status").asText()).as(r[1]).isEqualTo("error");
        }
    }

    @Test
    void deadlinesTooLongForNanosecondsStillServe() throws Exception {
        // "no deadline to speak of": 1000 years is more nanoseconds than a long holds
        try (RecordHttpServer patient = RecordHttpServer.builder(store, TOKEN).port(0).headerTimeout(Duration.ofDays(365L * 1000))
                .bodyTimeout(Duration.ofDays(365L * 1000)).build().start()) {
            for (String[] r : new String[][] {{"POST", "/api/v1/record", RECORD}, {"GET", "/api/test/count", null}}) {
                HttpResponse<String> reply = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + patient.port() + r[1]))
                        .timeout(Duration.ofSeconds(10)).header("Authorization", "Bearer " + TOKEN)
                        .method(r[0], r[2] == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(r[2]))
                        .build(), HttpResponse.BodyHandlers.ofString());
                assertThat(reply.statusCode()).as(r[1]).isIn(200, 201);
            }
        }
    }

    @Test
    void postThenCountAndLatest() throws Exception {
        HttpResponse<String> posted = send("POST", "/api/v1/record", RECORD);
        assertThat(posted.statusCode()).isEqualTo(201);
        JsonNode body = json(posted);
        assertThat(body.path("status").asText()).isEqualTo("success");
        assertThat(body.path("data").path("uuid").asText()).isEqualTo("a9201032-1e1f-40a2-8995-8472a76dd7d2");
        assertThat(body.path("data").path("timestamp").asText()).isEqualTo("1593338576.5624585");
        String filename = body.path("data").path("filename").asText();
        assertThat(filename).matches("a9201032-1e1f-40a2-8995-8472a76dd7d2_\\d+\\.\\d{6}\\.json");
        // written by the store's own thread just after the journal's fsync acknowledged it
        org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(10))
                .untilAsserted(() -> assertThat(tmp.resolve("records").resolve(filename)).exists());

        // the client retries the same sample: stored once
        HttpResponse<String> retried = send("POST", "/api/v1/record", RECORD);
        assertThat(retried.statusCode()).isEqualTo(200);
        assertThat(json(retried).path("data").path("duplicate").asBoolean()).isTrue();

        JsonNode count = json(send("GET", "/api/test/count", null));
        assertThat(count.toString()).isEqualTo("{\"status\":\"success\",\"data\":{\"count\":1}}");
        JsonNode latest = json(send("GET", "/api/test/latest", null));
        assertThat(latest.path("data").path("filename").asText()).isEqualTo(filename);
        assertThat(latest.path("data").path("content").get(0).path("name").asText()).isEqualTo("systemd");
    }

    @Test
    void wrongOrMissingTokensAreRefused() throws Exception {
        for (String auth : new String[] {null, "Bearer wrong", "Bearer " + TOKEN + "x", "Basic " + TOKEN, "Bearer ", TOKEN}) {
            HttpResponse<String> r = send("POST", "/api/v1/record", RECORD, auth);
            assertThat(r.statusCode()).as(String.valueOf(auth)).isEqualTo(401);
            assertThat(r.headers().firstValue("WWW-Authenticate")).hasValue("Bearer");
            assertThat(json(r).path("status").asText()).isEqualTo("fail");
            assertThat(r.body()).doesNotContain(TOKEN);
            assertThat(send("GET", "/api/test/count", null, auth).statusCode()).isEqualTo(401);
        }
        assertThat(store.count()).isZero();
    }

    @Test
    void badInputGetsJSendFailAndWritesNothing() throws Exception {
        String[][] cases = {
            {"{not json", "body"},
            {"[1,2]", "body"},
            {"{\"timestamp\": \"1\", \"data\": []}", "uuid"},
            {"{\"uuid\": \"web-01\"}", "data"},
            {"{\"uuid\": \"../../etc/cron.d/evil\", \"timestamp\": \"1\", \"data\": []}", "source"},
            {"{\"uuid\": \"web-01/../../x\", \"timestamp\": \"1\", \"data\": []}", "source"},
            {"{\"uuid\": \"web-01\", \"timestamp\": \"../../x\", \"data\": []}", "timestamp"},
            {"{\"uuid\": \"web-01\", \"timestamp\": \"1\", \"id\": \"" + "x".repeat(600) + "\", \"data\": []}", "requestId"},
        };
        for (String[] c : cases) {
            HttpResponse<String> r = send("POST", "/api/v1/record", c[0]);
            assertThat(r.statusCode()).as(c[0]).isEqualTo(400);
            JsonNode body = json(r);
            assertThat(body.path("status").asText()).isEqualTo("fail");
            assertThat(body.path("data").has(c[1])).as(r.body()).isTrue();
        }
        assertThat(store.count()).isZero();
        try (Stream<Path> all = Files.walk(tmp)) {
            assertThat(all.filter(p -> p.toString().contains("cron") || p.toString().endsWith("/x"))).isEmpty();
        }
        assertThat(send("GET", "/api/v1/record", null).statusCode()).isEqualTo(405);
        assertThat(json(send("GET", "/api/v1/record", null)).path("status").asText()).isEqualTo("fail");
        assertThat(send("GET", "/nope", null).statusCode()).isEqualTo(404);
        assertThat(json(send("GET", "/api/test/latest", null)).path("status").asText()).isEqualTo("fail");
    }

    @Test
    void tooLargeBodiesAreRefusedUnread() throws Exception {
        server.close();
        server = RecordHttpServer.builder(store, TOKEN).port(0).maxBodyBytes(1024).build().start();
        HttpResponse<String> r = send("POST", "/api/v1/record", "{\"uuid\":\"a\",\"data\":\"" + "x".repeat(5000) + "\"}");
        assertThat(r.statusCode()).isEqualTo(413);
        assertThat(json(r).path("status").asText()).isEqualTo("fail");
    }

    @Test
    void aWriteFailureIsAJSendErrorWithoutServerPaths() throws Exception {
        // the disk goes away under the running store (root ignores permissions, so remove the directory)
        try (Stream<Path> all = Files.walk(tmp.resolve("records"))) {
            all.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
        HttpResponse<String> r = send("POST", "/api/v1/record", RECORD);
        assertThat(r.statusCode()).isEqualTo(500);
        JsonNode body = json(r);
        assertThat(body.path("status").asText()).isEqualTo("error");
        assertThat(body.path("message").asText()).isNotBlank();
        assertThat(r.body()).doesNotContain(tmp.toString());
    }

    @Test
    void servesHttpsWhenConfigured() throws Exception {
        HeldCertificate cert = new HeldCertificate.Builder().addSubjectAlternativeName("127.0.0.1").build();
        HandshakeCertificates serverCerts = new HandshakeCertificates.Builder().heldCertificate(cert).build();
        HandshakeCertificates clientCerts = new HandshakeCertificates.Builder().addTrustedCertificate(cert.certificate()).build();
        try (RecordHttpServer https = RecordHttpServer.builder(store, TOKEN).port(0).tls(serverCerts.sslContext()).build().start()) {
            HttpClient client = HttpClient.newBuilder().sslContext(clientCerts.sslContext()).build();
            HttpResponse<String> r = client.send(HttpRequest.newBuilder(URI.create("https://127.0.0.1:" + https.port() + "/api/v1/record"))
                    .header("Authorization", "Bearer " + TOKEN).POST(HttpRequest.BodyPublishers.ofString(RECORD)).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(r.statusCode()).isEqualTo(201);
            assertThat(store.count()).isEqualTo(1);
        }
    }

    @Test
    void httpsRefusesTls12WhoseRenegotiationWouldCostAHandshakeAtAClientsWhim() throws Exception {
        HeldCertificate cert = new HeldCertificate.Builder().addSubjectAlternativeName("127.0.0.1").build();
        HandshakeCertificates serverCerts = new HandshakeCertificates.Builder().heldCertificate(cert).build();
        HandshakeCertificates clientCerts = new HandshakeCertificates.Builder().addTrustedCertificate(cert.certificate()).build();
        try (RecordHttpServer https = RecordHttpServer.builder(store, TOKEN).port(0).tls(serverCerts.sslContext()).build().start()) {
            for (String protocol : new String[] {"TLSv1.2", "TLSv1.3"}) {
                try (javax.net.ssl.SSLSocket socket = (javax.net.ssl.SSLSocket) clientCerts.sslSocketFactory()
                        .createSocket("127.0.0.1", https.port())) {
                    socket.setSoTimeout(10_000);
                    socket.setEnabledProtocols(new String[] {protocol});
                    if (protocol.equals("TLSv1.2")) {
                        org.assertj.core.api.Assertions.assertThatThrownBy(socket::startHandshake)
                                .isInstanceOf(javax.net.ssl.SSLException.class);
                    } else {
                        socket.startHandshake();
                        assertThat(socket.getSession().getProtocol()).isEqualTo("TLSv1.3");
                    }
                }
            }
        }
    }
}
