package dev.outpost.sqs;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3AsyncClient;
import software.amazon.awssdk.services.s3.model.LifecycleRule;

/**
 * {@link SqsProvisioner#expirePayloads} against a bucket's lifecycle API served on 127.0.0.1 (the
 * S3 emulators at hand do not implement lifecycle rules): the SDK's real requests, a stored
 * configuration, the rule merged with what is there.
 */
class ExpirePayloadsTest {
    private HttpServer server;
    private final AtomicReference<String> stored = new AtomicReference<>();
    private final List<String> calls = new CopyOnWriteArrayList<>();
    private S3AsyncClient s3;

    @BeforeEach
    void start() throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/", this::handle);
        server.start();
        s3 = S3AsyncClient.builder().endpointOverride(URI.create("http://127.0.0.1:" + server.getAddress().getPort()))
                .region(Region.US_EAST_1).forcePathStyle(true)
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("test", "test"))).build();
    }

    @AfterEach
    void stop() {
        s3.close();
        server.stop(0);
    }

    private void handle(HttpExchange ex) throws IOException {
        String query = ex.getRequestURI().getRawQuery();
        boolean lifecycle = query != null && query.startsWith("lifecycle");
        calls.add(ex.getRequestMethod() + " " + ex.getRequestURI().getPath() + (lifecycle ? "?lifecycle" : ""));
        byte[] in = ex.getRequestBody().readAllBytes();
        String reply = "";
        int status = 200;
        if (lifecycle && ex.getRequestMethod().equals("PUT")) {
            stored.set(new String(in, StandardCharsets.UTF_8));
        } else if (lifecycle && stored.get() == null) {
            status = 404;
            reply = "<Error><Code>NoSuchLifecycleConfiguration</Code><Message>none</Message></Error>";
        } else if (lifecycle) {
            reply = stored.get();
        } else if (ex.getRequestMethod().equals("PUT") && calls.stream().filter(c -> c.equals("PUT /payloads")).count() > 1) {
            status = 409;
            reply = "<Error><Code>BucketAlreadyOwnedByYou</Code><Message>yours</Message></Error>";
        }
        byte[] out = reply.getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().add("Content-Type", "application/xml");
        ex.sendResponseHeaders(status, out.length == 0 ? -1 : out.length);
        ex.getResponseBody().write(out);
        ex.close();
    }

    @Test
    void setsAnExpirationRuleOnThePrefixKeepingOtherRulesIdempotently() {
        SqsProvisioner p = new SqsProvisioner(unusedSqs());
        p.expirePayloads(s3, "payloads", "outpost/", Duration.ofDays(15));
        p.expirePayloads(s3, "payloads", "archive/", Duration.ofHours(25)); // another prefix: a second rule
        p.expirePayloads(s3, "payloads", "outpost/", Duration.ofDays(16)); // again: replaced, not added

        List<LifecycleRule> rules = s3.getBucketLifecycleConfiguration(r -> r.bucket("payloads")).join().rules();
        assertThat(rules).hasSize(2);
        assertThat(rules).anySatisfy(r -> {
            assertThat(r.filter().prefix()).isEqualTo("outpost/");
            assertThat(r.expiration().days()).isEqualTo(16);
            assertThat(r.statusAsString()).isEqualTo("Enabled");
        });
        assertThat(rules).anySatisfy(r -> {
            assertThat(r.filter().prefix()).isEqualTo("archive/");
            assertThat(r.expiration().days()).as("rounded up to whole days").isEqualTo(2);
        });
        assertThat(calls).contains("PUT /payloads", "GET /payloads?lifecycle", "PUT /payloads?lifecycle");
    }

    @Test
    void aPrefixThatIsNotAFolderOfKeysIsRefusedBeforeAnyRuleIsSet() {
        SqsProvisioner p = new SqsProvisioner(unusedSqs());
        // "outpost" would also expire "outpost-archive/..."; "/outpost/" matches no key S3 holds
        for (String prefix : List.of("outpost", "/outpost/")) {
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> p.expirePayloads(s3, "payloads", prefix, Duration.ofDays(15)))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("'" + prefix + "'");
        }
        assertThat(calls).isEmpty();
    }

    private software.amazon.awssdk.services.sqs.SqsAsyncClient unusedSqs() {
        // expirePayloads needs no SQS: pointed at the same server, a stray SQS call would show in `calls` and fail the rules
        return software.amazon.awssdk.services.sqs.SqsAsyncClient.builder()
                .endpointOverride(URI.create("http://127.0.0.1:" + server.getAddress().getPort()))
                .region(Region.US_EAST_1)
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("test", "test"))).build();
    }
}
