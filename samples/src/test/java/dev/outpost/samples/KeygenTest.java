package dev.outpost.samples;

import static org.assertj.core.api.Assertions.assertThat;

import dev.outpost.nacl.KeyFiles;
import dev.outpost.nacl.NaclPublicKey;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class KeygenTest {
    @TempDir
    Path home;

    final ByteArrayOutputStream out = new ByteArrayOutputStream();
    final ByteArrayOutputStream err = new ByteArrayOutputStream();

    int keygen(String... args) {
        out.reset();
        err.reset();
        return Keygen.run(args, home, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
    }

    String out() {
        return out.toString(StandardCharsets.UTF_8);
    }

    @Test
    void writesIntoAnOwnerOnlyDirectoryUnderHomeByDefaultAndPrintsTheKeyId() throws Exception {
        assertThat(keygen("worker")).isZero();
        Path dir = home.resolve(".outpost/keys");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(dir))).isEqualTo("rwx------");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(home.resolve(".outpost")))).isEqualTo("rwx------");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve("worker.key")))).isEqualTo("rw-------");
        NaclPublicKey key = KeyFiles.readPublicKey(dir.resolve("worker.pub"));
        assertThat(KeyFiles.readSecretKey(dir.resolve("worker.key")).publicKey()).isEqualTo(key);
        assertThat(out()).contains("key id: " + key.keyIdHex()).contains(key.base64() + " worker");
    }

    @Test
    void takesDirAfterTheNameAsOutpostKeygenDoes() throws Exception {
        // before: "worker --dir DIR" (outpost keygen's order) printed the usage and wrote nothing
        Path dir = home.resolve("after");
        assertThat(keygen("worker", "--dir", dir.toString())).as(err.toString(StandardCharsets.UTF_8)).isZero();
        assertThat(dir.resolve("worker.key")).exists();
        assertThat(dir.resolve("worker.pub")).exists();
    }

    @Test
    void neverOverwritesAKey() throws Exception {
        Path dir = home.resolve("keys");
        assertThat(keygen("--dir", dir.toString(), "ops")).isZero();
        byte[] before = Files.readAllBytes(dir.resolve("ops.key"));
        assertThat(keygen("--dir", dir.toString(), "ops")).isEqualTo(1);
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("already exists");
        assertThat(Files.readAllBytes(dir.resolve("ops.key"))).isEqualTo(before);
    }

    @Test
    void showPrintsTheSameKeyIdForKeyFilesAndKnownSenders() throws Exception {
        Path dir = home.resolve("keys");
        keygen("--dir", dir.toString(), "alice");
        NaclPublicKey alice = KeyFiles.readPublicKey(dir.resolve("alice.pub"));
        Path known = dir.resolve("known_senders");
        Files.writeString(known, alice.base64() + " alice outpost.ping\n");
        assertThat(keygen("--show", dir.resolve("alice.key").toString(), dir.resolve("alice.pub").toString(), known.toString()))
                .isZero();
        assertThat(out().lines().filter(l -> l.startsWith(alice.keyIdHex() + "  " + alice.base64()))).hasSize(3);
        assertThat(out()).contains("alice outpost.ping");
    }

    @Test
    void refusesNamesThatArePaths() {
        assertThat(keygen("../escape")).isEqualTo(2);
        assertThat(keygen()).isEqualTo(2);
        assertThat(home.resolve(".outpost")).doesNotExist();
    }
}
