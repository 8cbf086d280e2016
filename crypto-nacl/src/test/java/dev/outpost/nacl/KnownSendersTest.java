package dev.outpost.nacl;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class KnownSendersTest {
    @TempDir
    Path dir;

    @Test
    void parsesNamesAndCollectorListsAndReloadsWhenTheFileChanges() throws Exception {
        NaclPublicKey alice = NaclKeyPair.generate().publicKey();
        NaclPublicKey bob = NaclKeyPair.generate().publicKey();
        Path f = dir.resolve("known_senders");
        Files.writeString(f, "# who may talk to this host\n" + alice.base64() + " alice outpost.ping,disk.*\n");
        KnownSenders k = KnownSenders.load(f);
        KnownSender a = k.find(alice).orElseThrow();
        assertThat(a.name()).isEqualTo("alice");
        assertThat(a.collectors()).contains(Set.of("outpost.ping", "disk.*"));
        assertThat(k.find(bob)).isEmpty();

        Files.writeString(f, alice.base64() + " alice\n" + bob.base64() + " bob\n");
        Files.setLastModifiedTime(f, FileTime.from(Instant.now().plusSeconds(5)));
        Thread.sleep(1_100);
        assertThat(k.find(bob)).isPresent();
        assertThat(k.find(alice).orElseThrow().collectors()).isEmpty();

        Files.writeString(f, "garbage line that is not a key\n");
        Files.setLastModifiedTime(f, FileTime.from(Instant.now().plusSeconds(10)));
        Thread.sleep(1_100);
        assertThat(k.find(bob)).as("a broken reload keeps the previous list").isPresent();
    }

    @Test
    void malformedLinesNameTheirLineNumber() throws Exception {
        Path f = dir.resolve("known_senders");
        Files.writeString(f, "\n# ok\nnot-a-key alice\n");
        assertThatThrownBy(() -> KnownSenders.load(f)).isInstanceOf(KeyFileException.class).hasMessageContaining("line 3");
        NaclPublicKey k = NaclKeyPair.generate().publicKey();
        Files.writeString(f, k.base64() + " a\n" + k.base64() + " b\n");
        assertThatThrownBy(() -> KnownSenders.load(f)).hasMessageContaining("twice");
    }
}
