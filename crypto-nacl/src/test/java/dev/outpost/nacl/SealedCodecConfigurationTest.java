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
}
