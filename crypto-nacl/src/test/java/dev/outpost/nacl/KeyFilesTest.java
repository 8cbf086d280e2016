package dev.outpost.nacl;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class KeyFilesTest {
    @TempDir
    Path dir;

    @Test
    void aSecretKeyFileIsOwnerOnlyAndRoundTrips() throws Exception {
        NaclKeyPair k = NaclKeyPair.generate();
        Path f = dir.resolve("worker.key");
        KeyFiles.writeSecretKey(f, k);
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(f))).isEqualTo("rw-------");
        assertThat(KeyFiles.readSecretKey(f).publicKey()).isEqualTo(k.publicKey());
        assertThatThrownBy(() -> KeyFiles.writeSecretKey(f, k)).isInstanceOf(KeyFileException.class).hasMessageContaining("exists");
    }

    @Test
    void aKeyFileInAMissingFolderNamesTheFolderToCreate() throws Exception {
        Path missing = dir.resolve("keys");
        try (NaclKeyPair k = NaclKeyPair.generate()) {
            assertThatThrownBy(() -> KeyFiles.writeSecretKey(missing.resolve("worker.key"), k))
                    .isInstanceOf(KeyFileException.class).hasMessageContaining("the folder " + missing + " does not exist")
                    .hasMessageContaining("mkdir -m 700 " + missing);
            assertThatThrownBy(() -> KeyFiles.writePublicKey(missing.resolve("worker.pub"), k.publicKey()))
                    .isInstanceOf(KeyFileException.class).hasMessageContaining("the folder " + missing + " does not exist");
        }
    }

    @Test
    void aMissingKeyFileIsOneSentenceNamingTheFileAndTheCommandThatMakesIt() throws Exception {
        // before: "DIR/worker.key: cannot read the secret key: java.nio.file.NoSuchFileException: DIR/worker.key"
        Path key = dir.resolve("worker.key");
        assertThatThrownBy(() -> KeyFiles.readSecretKey(key)).isInstanceOfSatisfying(KeyFileException.class, e -> {
            assertThat(e.file()).isEqualTo(key);
            assertThat(e.getMessage()).isEqualTo(key + ": no such secret key file; make a key pair with: outpost keygen worker --dir " + dir)
                    .doesNotContain("Exception");
        });
        Path pub = dir.resolve("worker.pub");
        assertThatThrownBy(() -> KeyFiles.readPublicKey(pub)).isInstanceOf(KeyFileException.class)
                .hasMessage(pub + ": no such public key file; copy it from the host that holds the secret key, where it was made with:"
                        + " outpost keygen worker --dir " + dir);
        assertThatThrownBy(() -> KeyFiles.readTrustedPublicKey(pub)).isInstanceOf(KeyFileException.class)
                .hasMessageStartingWith(pub + ": no such public key file;").hasMessageNotContaining("Exception");
        // a name keygen does not write: how to make one, and to name it here
        Path other = dir.resolve("identity");
        assertThatThrownBy(() -> KeyFiles.readSecretKey(other)).isInstanceOf(KeyFileException.class)
                .hasMessage(other + ": no such secret key file; make a key pair with: outpost keygen NAME --dir DIR, then name DIR/NAME.key here");
        Path senders = dir.resolve("known_senders");
        assertThatThrownBy(() -> KnownSenders.load(senders)).isInstanceOf(KeyFileException.class)
                .hasMessage(senders + ": no such known-senders file; make one with: outpost senders add KEY --name NAME --file " + senders);
    }

    @Test
    void aSecretKeyReadableByOthersIsRefusedLikeSshDoes() throws Exception {
        Path f = dir.resolve("loose.key");
        KeyFiles.writeSecretKey(f, NaclKeyPair.generate());
        Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("rw-r--r--"));
        assertThatThrownBy(() -> KeyFiles.readSecretKey(f)).isInstanceOfSatisfying(KeyFileException.class, e -> {
            assertThat(e.file()).isEqualTo(f);
            assertThat(e.getMessage()).contains("chmod 600");
        });
        Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("rw-r-----"));
        assertThatThrownBy(() -> KeyFiles.readSecretKey(f)).isInstanceOf(KeyFileException.class);
    }

    @Test
    void aSecretKeyOwnedByAnotherUserIsRefused() throws Exception {
        org.junit.jupiter.api.Assumptions.assumeTrue(Files.getAttribute(Path.of("/proc/self"), "unix:uid").equals(0),
                "needs root to give a file away");
        Path f = dir.resolve("theirs.key");
        KeyFiles.writeSecretKey(f, NaclKeyPair.generate());
        Files.setAttribute(f, "unix:uid", 65534);
        assertThatThrownBy(() -> KeyFiles.readSecretKey(f)).isInstanceOf(KeyFileException.class)
                .hasMessageContaining("uid 65534").hasMessageContaining("chown");
    }

    @Test
    void malformedFilesAreClearErrorsWithoutKeyMaterial() throws Exception {
        Path f = dir.resolve("bad.key");
        Files.writeString(f, "outpost-nacl-secret not!base64\n");
        Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("rw-------"));
        assertThatThrownBy(() -> KeyFiles.readSecretKey(f)).isInstanceOf(KeyFileException.class).hasMessageContaining("base64")
                .hasMessageNotContaining("not!base64");
        Files.writeString(f, "ssh-rsa AAAA\n");
        assertThatThrownBy(() -> KeyFiles.readSecretKey(f)).hasMessageContaining("not an Outpost secret key file");
        assertThatThrownBy(() -> KeyFiles.readSecretKey(dir.resolve("missing.key"))).isInstanceOf(KeyFileException.class);
        assertThatThrownBy(() -> KeyFiles.readSecretKey(dir)).isInstanceOf(KeyFileException.class)
                .hasMessageContaining("not a regular file");
    }

    @Test
    void publicKeyFilesRoundTrip() throws Exception {
        NaclKeyPair k = NaclKeyPair.generate();
        Path f = dir.resolve("worker.pub");
        KeyFiles.writePublicKey(f, k.publicKey());
        assertThat(KeyFiles.readPublicKey(f)).isEqualTo(k.publicKey());
        assertThat(Files.readString(f)).as("the key id that rejections show").contains("key id " + k.publicKey().keyIdHex());
        assertThatThrownBy(() -> KeyFiles.writePublicKey(f, NaclKeyPair.generate().publicKey()))
                .isInstanceOf(KeyFileException.class).hasMessageContaining("exists");
    }

    @Test
    void aHugeKeyFileOrOneThatIsNotARegularFileIsRefusedWithoutReadingIt() throws Exception {
        NaclKeyPair k = NaclKeyPair.generate();
        String padding = ("# " + "x".repeat(1000) + "\n").repeat(1100); // over a MiB of comments after a good key
        Path pub = dir.resolve("huge.pub");
        KeyFiles.writePublicKey(pub, k.publicKey());
        Files.writeString(pub, padding, java.nio.file.StandardOpenOption.APPEND);
        assertThatThrownBy(() -> KeyFiles.readPublicKey(pub)).isInstanceOfSatisfying(KeyFileException.class, e -> {
            assertThat(e.file()).isEqualTo(pub);
            assertThat(e.getMessage()).contains("bytes");
        });
        Path secret = dir.resolve("huge.key");
        KeyFiles.writeSecretKey(secret, k);
        Files.writeString(secret, padding, java.nio.file.StandardOpenOption.APPEND);
        assertThatThrownBy(() -> KeyFiles.readSecretKey(secret)).isInstanceOf(KeyFileException.class).hasMessageContaining("bytes");
        // a named pipe would block the reader until someone writes to it
        Path fifo = dir.resolve("pipe.pub");
        org.junit.jupiter.api.Assumptions.assumeTrue(new ProcessBuilder("mkfifo", fifo.toString()).start().waitFor() == 0,
                "needs mkfifo");
        org.junit.jupiter.api.Assertions.assertTimeoutPreemptively(java.time.Duration.ofSeconds(10),
                () -> assertThatThrownBy(() -> KeyFiles.readPublicKey(fifo)).isInstanceOf(KeyFileException.class)
                        .hasMessageContaining("not a regular file"));
    }
}
