package dev.outpost.host.records;

import static org.assertj.core.api.Assertions.assertThat;

import dev.outpost.ShutdownResult;
import dev.outpost.testkit.LifecycleContract;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ThreadFactory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.io.TempDir;

class RecordHttpServerLifecycleTest extends LifecycleContract<RecordHttpServer> {
    private static final String TOKEN = "s3cr3t-token-for-tests-0123456789";
    @TempDir
    Path dir;
    private RecordStore store;

    @Override
    protected RecordHttpServer create(ThreadFactory threads) throws Exception {
        if (store == null) {
            store = RecordStore.builder(dir.resolve("records")).build().start();
        }
        return RecordHttpServer.builder(store, TOKEN).port(0).threadFactory(threads).build();
    }

    @org.junit.jupiter.api.Test
    void aPortInUseIsNamedInTheError() throws Exception {
        // before: "Address already in use" alone, which a daemon printing it cannot tie to its configuration
        try (java.net.ServerSocket taken = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            store = RecordStore.builder(dir.resolve("records")).build().start();
            RecordHttpServer server = RecordHttpServer.builder(store, TOKEN).port(taken.getLocalPort()).build();
            org.assertj.core.api.Assertions.assertThatThrownBy(server::start).isInstanceOf(java.io.IOException.class)
                    .hasMessageContaining("127.0.0.1:" + taken.getLocalPort()).hasMessageContaining("outpost.records.http.port")
                    .hasRootCauseInstanceOf(java.net.BindException.class);
            server.close();
        }
    }

    @AfterEach
    void closeStore() {
        if (store != null) {
            store.close();
        }
    }

    @Override
    protected void start(RecordHttpServer server) throws Exception {
        server.start();
    }

    @Override
    protected CompletableFuture<ShutdownResult> shutdown(RecordHttpServer server) {
        return server.shutdown();
    }

    @Override
    protected boolean provokeUserError(RecordHttpServer running, Error error) {
        return false; // the server runs no user code
    }

    @Override
    protected void assertWorks(RecordHttpServer server) throws Exception {
        HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + server.port() + "/api/test/count")).timeout(Duration.ofSeconds(10))
                .header("Authorization", "Bearer " + TOKEN).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).isEqualTo(200);
    }
}
