package dev.outpost.nacl;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.outpost.ConfigException;
import dev.outpost.core.config.OutpostConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SealedCodecConfigurationTest {
    @TempDir
    Path dir;

    @Test
    void aHalfConfiguredSealIsRefusedAndAWholeOneWorks() throws Exception {
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx------"));
        NaclKeyPair worker = NaclKeyPair.generate();
        NaclKeyPair alice = NaclKeyPair.generate();
        Path key = dir.resolve("worker.key");
        KeyFiles.writeSecretKey(key, worker);
        Path senders = dir.resolve("known_senders");
        Files.writeString(senders, alice.publicKey().base64() + " alice\n");
        Files.setPosixFilePermissions(senders, PosixFilePermissions.fromString("rw-------"));

        OutpostConfig keyOnly = OutpostConfig.builder().set("outpost.nacl.secret-key", key.toString()).build();
        assertThat(SealedCodec.Builder.isConfigured(keyOnly)).isTrue();
        assertThatThrownBy(() -> SealedCodec.builder().configure(keyOnly).build())
                .isInstanceOf(ConfigException.class).hasMessageContaining("known-senders");

        OutpostConfig sendersOnly = OutpostConfig.builder().set("outpost.nacl.known-senders", senders.toString()).build();
        assertThatThrownBy(() -> SealedCodec.builder().configure(sendersOnly).build())
                .isInstanceOf(ConfigException.class).hasMessageContaining("outpost.nacl.secret-key");

        OutpostConfig whole = OutpostConfig.builder().set("outpost.nacl.secret-key", key.toString())
                .set("outpost.nacl.known-senders", senders.toString()).build();
        SealedCodec codec = SealedCodec.builder().configure(whole).build();
        assertThat(codec.publicKey()).isEqualTo(worker.publicKey());
        assertThat(SealedCodec.Builder.isConfigured(OutpostConfig.defaults())).isFalse();
    }

    @Test
    void aConfiguredKeyFileThatIsNotThereIsNamedWithTheCommandThatMakesIt() {
        // before: "... cannot read the secret key: java.nio.file.NoSuchFileException: DIR/worker.key"
        Path key = dir.resolve("worker.key");
        Path senders = dir.resolve("known_senders");
        OutpostConfig worker = OutpostConfig.builder().set("outpost.nacl.secret-key", key.toString())
                .set("outpost.nacl.known-senders", senders.toString()).build();
        assertThatThrownBy(() -> SealedCodec.builder().configure(worker).build()).isInstanceOfSatisfying(ConfigException.class,
                e -> assertThat(e.getMessage())
                        .contains(key + ": no such secret key file; make a key pair with: outpost keygen worker --dir " + dir)
                        .contains(senders + ": no such known-senders file; make one with: outpost senders add KEY --name NAME --file "
                                + senders)
                        .doesNotContain("NoSuchFileException"));
    }

    @Test
    void aRecipientFileOthersCouldRewriteIsRefusedForItDecidesWhomTheClientSealsForAndBelieves() throws Exception {
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx------"));
        Path key = dir.resolve("client.key");
        KeyFiles.writeSecretKey(key, NaclKeyPair.generate());
        NaclKeyPair worker = NaclKeyPair.generate();
        Path pub = dir.resolve("worker.pub");
        KeyFiles.writePublicKey(pub, worker.publicKey());
        Files.setPosixFilePermissions(pub, PosixFilePermissions.fromString("rw-r--r--")); // readable by all is fine
        OutpostConfig client = OutpostConfig.builder().set("outpost.nacl.secret-key", key.toString())
                .set("outpost.nacl.recipients", pub.toString()).build();
        SealedCodec.builder().configure(client).build(); // accepted as it is

        // writable by others: they could put their own key in it, read the requests and answer as the worker
        Files.setPosixFilePermissions(pub, PosixFilePermissions.fromString("rw-rw-rw-"));
        assertThatThrownBy(() -> SealedCodec.builder().configure(client).build()).isInstanceOfSatisfying(ConfigException.class,
                e -> assertThat(e.problems()).singleElement().satisfies(p -> {
                    assertThat(p.key()).isEqualTo("outpost.nacl.recipients");
                    assertThat(p.message()).contains("writable by group or others").contains("chmod go-w " + pub);
                }));

        // so could whoever may write the folder it is in
        Files.setPosixFilePermissions(pub, PosixFilePermissions.fromString("rw-r--r--"));
        Path shared = Files.createDirectory(dir.resolve("shared"));
        Path there = shared.resolve("worker.pub");
        Files.copy(pub, there);
        Files.setPosixFilePermissions(shared, PosixFilePermissions.fromString("rwxrwxrwx"));
        OutpostConfig fromShared = OutpostConfig.builder().set("outpost.nacl.secret-key", key.toString())
                .set("outpost.nacl.recipients", there.toString()).build();
        assertThatThrownBy(() -> SealedCodec.builder().configure(fromShared).build()).isInstanceOf(ConfigException.class)
                .hasMessageContaining("chmod go-w " + shared);
    }

    @Test
    void tunablesComeFromConfigurationUnlessSetInCodeAndBadOnesAreReportedTogether() throws Exception {
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx------"));
        NaclKeyPair worker = NaclKeyPair.generate();
        Path key = dir.resolve("worker.key");
        KeyFiles.writeSecretKey(key, worker);
        Path senders = dir.resolve("known_senders");
        Files.writeString(senders, NaclKeyPair.generate().publicKey().base64() + " alice\n");
        Files.setPosixFilePermissions(senders, PosixFilePermissions.fromString("rw-------"));

        OutpostConfig tuned = OutpostConfig.builder().set("outpost.nacl.secret-key", key.toString())
                .set("outpost.nacl.known-senders", senders.toString())
                .set("outpost.nacl.replay-cache-size", "64").set("outpost.nacl.replay-quota-per-sender", "8").build();
        assertThat(SealedCodec.builder().configure(tuned).build().sealedStatus().replayCache())
                .satisfies(r -> assertThat(r.capacity()).isEqualTo(64))
                .satisfies(r -> assertThat(r.perSenderQuota()).isEqualTo(8));
        // a method call wins over configuration
        assertThat(SealedCodec.builder().configure(tuned).replayCacheSize(32).build().sealedStatus().replayCache().capacity())
                .isEqualTo(32);
        // the default quota of a worker configured from a file is a quarter of its cache
        OutpostConfig plain = OutpostConfig.builder().set("outpost.nacl.secret-key", key.toString())
                .set("outpost.nacl.known-senders", senders.toString()).set("outpost.nacl.replay-cache-size", "64").build();
        assertThat(SealedCodec.builder().configure(plain).build().sealedStatus().replayCache().perSenderQuota()).isEqualTo(16);

        OutpostConfig bad = OutpostConfig.builder().set("outpost.nacl.secret-key", key.toString())
                .set("outpost.nacl.known-senders", senders.toString())
                .set("outpost.nacl.freshness", "soon").set("outpost.nacl.replay-cache-size", "3")
                .set("outpost.nacl.max-message-bytes", "many").build();
        assertThatThrownBy(() -> SealedCodec.builder().configure(bad).build()).isInstanceOfSatisfying(ConfigException.class,
                e -> assertThat(e.problems()).extracting(ConfigException.Problem::key).containsExactlyInAnyOrder(
                        "outpost.nacl.freshness", "outpost.nacl.replay-cache-size", "outpost.nacl.max-message-bytes"));

        // a missing secret key file and a missing known-senders file: both named at once
        OutpostConfig missing = OutpostConfig.builder().set("outpost.nacl.secret-key", dir.resolve("nope.key").toString())
                .set("outpost.nacl.known-senders", dir.resolve("nope").toString()).build();
        assertThatThrownBy(() -> SealedCodec.builder().configure(missing).build()).isInstanceOfSatisfying(ConfigException.class,
                e -> assertThat(e.problems()).extracting(ConfigException.Problem::key).containsExactlyInAnyOrder(
                        "outpost.nacl.secret-key", "outpost.nacl.known-senders"));
    }
}
