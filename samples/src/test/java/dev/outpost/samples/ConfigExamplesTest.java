package dev.outpost.samples;

import static org.assertj.core.api.Assertions.assertThat;

import dev.outpost.core.Client;
import dev.outpost.core.Worker;
import dev.outpost.core.config.OutpostConfig;
import dev.outpost.inmemory.InMemoryTransport;
import dev.outpost.nacl.KeyFiles;
import dev.outpost.nacl.NaclKeyPair;
import dev.outpost.nacl.SealedCodec;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The worked examples of docs/configuration.md ({@code docs/examples/*.yaml}) load through
 * {@link OutpostConfig} (which refuses any key no module declares) and build what they describe,
 * so that they cannot go stale as keys change.
 */
class ConfigExamplesTest {
    static final Path EXAMPLES = Path.of("..", "docs", "examples");

    @TempDir
    Path dir;

    static OutpostConfig load(String name) {
        return OutpostConfig.builder().localFile(EXAMPLES.resolve(name)).build();
    }

    /** The example's configuration with its key files replaced by real ones in a private directory. */
    OutpostConfig withKeys(OutpostConfig config) throws Exception {
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx------"));
        NaclKeyPair me = NaclKeyPair.generate();
        NaclKeyPair peer = NaclKeyPair.generate();
        KeyFiles.writeSecretKey(dir.resolve("me.key"), me);
        KeyFiles.writePublicKey(dir.resolve("peer.pub"), peer.publicKey());
        Files.writeString(dir.resolve("known_senders"), peer.publicKey().base64() + " ops outpost.ping\n");
        OutpostConfig.Builder b = config.toBuilder().set("outpost.nacl.secret-key", dir.resolve("me.key").toString());
        if (config.string("outpost.nacl.known-senders").isPresent()) {
            b.set("outpost.nacl.known-senders", dir.resolve("known_senders").toString());
        }
        if (config.string("outpost.nacl.recipients").isPresent()) {
            b.set("outpost.nacl.recipients", dir.resolve("peer.pub").toString());
        }
        return b.build();
    }

    @Test
    void theWorkerExampleBuildsASealedWorkerWithItsCollectorsSettings() throws Exception {
        OutpostConfig config = withKeys(load("worker.yaml"));
        assertThat(config.string("outpost.worker.reply-to.allow")).contains("outpost-client-*");
        assertThat(config.string("outpost.collectors.host.facts.tags")).contains("role=web, env=prod");
        SealedCodec codec = SealedCodec.builder().configure(config).build();
        try (InMemoryTransport transport = InMemoryTransport.create();
                Worker worker = Worker.builder(transport).configure(config).codec(codec).discoverCollectors().build()) {
            assertThat(worker.id()).isEqualTo("web-01");
        }
    }

    @Test
    void theClientExampleBuildsASealedClient() throws Exception {
        OutpostConfig config = withKeys(load("client.yaml"));
        SealedCodec codec = SealedCodec.builder().configure(config).build();
        assertThat(codec.toString()).contains("recipients=1");
        try (InMemoryTransport transport = InMemoryTransport.create();
                Client client = Client.builder(transport).configure(config).codec(codec).build()) {
            assertThat(client.replyTo()).isEqualTo("outpost-client-ops");
        }
    }

    @Test
    void theBrokerAndShipperExamplesLoadWithValuesOfTheRightTypes() {
        OutpostConfig broker = load("broker.yaml");
        assertThat(broker.duration("outpost.broker.backup-every")).contains(Duration.ofHours(1));
        assertThat(broker.intValue("outpost.broker.backup-keep")).contains(24);
        assertThat(broker.string("outpost.sqs.requests")).contains("kv-requests");
        OutpostConfig shipper = load("shipper.yaml");
        assertThat(shipper.duration("outpost.agent.period")).contains(Duration.ofSeconds(5));
        assertThat(shipper.intValue("outpost.outbox.max-messages")).contains(20_000);
        assertThat(shipper.booleanValue("outpost.collectors.host.processes.include-arguments")).contains(false);
    }

    @Test
    void everyExampleLoads() throws Exception {
        try (var files = Files.list(EXAMPLES)) {
            assertThat(files.filter(f -> f.toString().endsWith(".yaml")).map(f -> load(f.getFileName().toString()))
                    .map(c -> c.keys().size()).toList()).hasSizeGreaterThanOrEqualTo(4).allMatch(n -> n > 0);
        }
    }
}
