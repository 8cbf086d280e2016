package dev.outpost.nacl;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.outpost.RejectReason;
import dev.outpost.Request;
import dev.outpost.spi.CodecException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.Set;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class KnownSendersTest {
    static final NaclPublicKey ALICE = NaclKeyPair.generate().publicKey();
    static final NaclPublicKey BOB = NaclKeyPair.generate().publicKey();

    @TempDir
    Path dir;

    Path file;
    final TestClock clock = new TestClock(Instant.parse("2026-06-01T12:00:00Z"));

    @BeforeEach
    void privateDirectory() throws Exception {
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx------"));
        file = dir.resolve("known_senders");
    }

    /** Replaces the file as an operator should: a new file renamed over the old one. */
    void replace(String contents) throws Exception {
        Path tmp = dir.resolve("known_senders.new");
        Files.writeString(tmp, contents);
        Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rw-r--r--"));
        Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }

    KnownSenders aliceAndBob() throws Exception {
        replace("# who may talk to this host\n" + ALICE.base64() + " alice outpost.ping,disk.*\n" + BOB.base64() + " bob\n");
        KnownSenders k = KnownSenders.load(file, clock);
        assertThat(k.find(BOB)).isPresent();
        return k;
    }

    @Test
    void parsesNamesAndCollectorListsAndReloadsWhenTheFileChanges() throws Exception {
        replace("# who may talk to this host\n" + ALICE.base64() + " alice outpost.ping,disk.*\n");
        KnownSenders k = KnownSenders.load(file, clock);
        KnownSender a = k.find(ALICE).orElseThrow();
        assertThat(a.name()).isEqualTo("alice");
        assertThat(a.collectors()).contains(Set.of("outpost.ping", "disk.*"));
        assertThat(k.find(BOB)).isEmpty();
        Instant firstLoad = k.status().loadedAt().orElseThrow();

        replace(ALICE.base64() + " alice\n" + BOB.base64() + " bob\n");
        assertThat(k.find(BOB)).as("not looked at again within a second").isEmpty();
        clock.advance(Duration.ofSeconds(1));
        assertThat(k.find(BOB)).isPresent();
        assertThat(k.find(ALICE).orElseThrow().collectors()).isEmpty();
        KnownSendersStatus s = k.status();
        assertThat(s.file()).contains(file);
        assertThat(s.senders()).isEqualTo(2);
        assertThat(s.loadedAt()).contains(firstLoad.plusSeconds(1));
        assertThat(s.failing()).isFalse();
        assertThat(s.lastError()).isEmpty();
    }

    @Test
    void aCollectorWithAStarBeforeItsEndIsRefusedNamingTheLine() throws Exception {
        // before: loaded, and 'disk.*.usage' taken literally allowed alice no collector at all
        replace(ALICE.base64() + " alice outpost.ping\n" + BOB.base64() + " bob outpost.ping,disk.*.usage\n");
        assertThatThrownBy(() -> KnownSenders.load(file, clock)).isInstanceOf(KeyFileException.class)
                .hasMessageContaining("line 2").hasMessageContaining("disk.*.usage");
    }

    @Test
    void aBadEditStopsEverySenderUntilTheFileIsGoodAgain() throws Exception {
        KnownSenders k = aliceAndBob();
        Instant loaded = k.status().loadedAt().orElseThrow();
        // The operator removes bob, and breaks alice's line while at it.
        replace(ALICE.base64().substring(5) + " alice\n");
        clock.advance(Duration.ofSeconds(2));
        assertThat(k.find(BOB)).as("a removed sender must not stay trusted").isEmpty();
        assertThat(k.find(ALICE)).isEmpty();
        KnownSendersStatus s = k.status();
        assertThat(s.failing()).isTrue();
        assertThat(s.senders()).isZero();
        assertThat(s.lastError().orElseThrow()).contains("line 1");
        assertThat(s.lastErrorAt()).contains(clock.instant());
        assertThat(s.loadedAt()).contains(loaded);

        clock.advance(Duration.ofSeconds(5));
        assertThat(k.status().lastErrorAt()).as("the failure's start stays").contains(clock.instant().minusSeconds(5));

        replace(ALICE.base64() + " alice\n");
        clock.advance(Duration.ofSeconds(1));
        assertThat(k.find(ALICE)).isPresent();
        assertThat(k.find(BOB)).isEmpty();
        s = k.status();
        assertThat(s.failing()).isFalse();
        assertThat(s.loadedAt()).contains(clock.instant());
        assertThat(s.lastError()).as("the last error stays visible after recovery").isPresent();
    }

    @Test
    void deletingTheFileStopsEverySender() throws Exception {
        KnownSenders k = aliceAndBob();
        Files.delete(file);
        clock.advance(Duration.ofSeconds(1));
        assertThat(k.find(ALICE)).isEmpty();
        assertThat(k.status().failing()).isTrue();
        assertThat(k.status().lastError().orElseThrow()).contains("known_senders");
    }

    @Test
    void aFileOthersCanWriteIsRefusedAtLoadAndOnReloadEvenWhenItsContentsDoNotChange() throws Exception {
        replace(ALICE.base64() + " alice\n");
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-rw-rw-"));
        assertThatThrownBy(() -> KnownSenders.load(file, clock)).isInstanceOfSatisfying(KeyFileException.class, e -> {
            assertThat(e.file()).isEqualTo(file);
            assertThat(e.getMessage()).contains("writable by group or others", "chmod go-w");
        });
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-r--r--"));
        KnownSenders k = KnownSenders.load(file, clock);
        assertThat(k.find(ALICE)).as("readable by all is fine: public keys only").isPresent();

        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-rw-r--"));
        clock.advance(Duration.ofSeconds(1));
        assertThat(k.find(ALICE)).isEmpty();
        assertThat(k.status().lastError().orElseThrow()).contains("rw-rw-r--");
    }

    @Test
    void aDirectoryOthersCanWriteIsRefused() throws Exception {
        replace(ALICE.base64() + " alice\n");
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxrwxrwx"));
        assertThatThrownBy(() -> KnownSenders.load(file, clock)).isInstanceOf(KeyFileException.class)
                .hasMessageContaining("could replace the file");
    }

    @Test
    void aSymbolicLinkIntoADirectoryOthersCanWriteIsRefused(@TempDir Path elsewhere) throws Exception {
        Path open = Files.createDirectory(elsewhere.resolve("shared"));
        Path target = Files.writeString(open.resolve("known_senders"), ALICE.base64() + " alice\n");
        Files.setPosixFilePermissions(target, PosixFilePermissions.fromString("rw-r--r--"));
        Files.createSymbolicLink(file, target);
        Files.setPosixFilePermissions(open, PosixFilePermissions.fromString("rwxr-xr-x"));
        KnownSenders k = KnownSenders.load(file, clock);
        assertThat(k.find(ALICE)).as("a link to a file nobody else can replace is fine").isPresent();

        // Anyone who can write the target's directory can replace the file the link leads to.
        Files.setPosixFilePermissions(open, PosixFilePermissions.fromString("rwxrwxrwx"));
        Path real = open.toRealPath();
        assertThatThrownBy(() -> KnownSenders.load(file, clock)).isInstanceOfSatisfying(KeyFileException.class, e -> {
            assertThat(e.file()).isEqualTo(file);
            assertThat(e.getMessage()).contains("its directory " + real, "could replace the file");
        });
        clock.advance(Duration.ofSeconds(1));
        assertThat(k.find(ALICE)).as("and a list already loaded stops obeying").isEmpty();
        assertThat(k.status().failing()).isTrue();
    }

    @Test
    void aLinkThroughADirectoryOthersCanWriteIsRefused(@TempDir Path elsewhere) throws Exception {
        // known_senders -> open/hop -> safe/known_senders: whoever writes 'open' can point 'hop' at a file of theirs
        Path open = Files.createDirectory(elsewhere.resolve("open"));
        Path safe = Files.createDirectory(elsewhere.resolve("safe"));
        Path target = Files.writeString(safe.resolve("known_senders"), ALICE.base64() + " alice\n");
        Files.setPosixFilePermissions(target, PosixFilePermissions.fromString("rw-r--r--"));
        Files.createSymbolicLink(open.resolve("hop"), target);
        Files.createSymbolicLink(file, open.resolve("hop"));
        Files.setPosixFilePermissions(safe, PosixFilePermissions.fromString("rwxr-xr-x"));
        Files.setPosixFilePermissions(open, PosixFilePermissions.fromString("rwxr-xr-x"));
        assertThat(KnownSenders.load(file, clock).find(ALICE)).as("every hop in directories nobody else writes").isPresent();

        Files.setPosixFilePermissions(open, PosixFilePermissions.fromString("rwxrwxrwx"));
        Path real = open.toRealPath();
        assertThatThrownBy(() -> KnownSenders.load(file, clock)).isInstanceOfSatisfying(KeyFileException.class,
                e -> assertThat(e.getMessage()).contains("its directory " + real, "could replace the file"));
    }

    @Test
    void aFileOwnedByAnotherUserIsRefused() throws Exception {
        assumeTrue(Files.getAttribute(Path.of("/proc/self"), "unix:uid").equals(0), "needs root to give a file away");
        replace(ALICE.base64() + " alice\n");
        KnownSenders k = KnownSenders.load(file, clock);
        Files.setAttribute(file, "unix:uid", 65534);
        clock.advance(Duration.ofSeconds(1));
        assertThat(k.find(ALICE)).isEmpty();
        assertThat(k.status().lastError().orElseThrow()).contains("uid 65534", "chown");
        Files.setAttribute(file, "unix:uid", 0);
        clock.advance(Duration.ofSeconds(1));
        assertThat(k.find(ALICE)).isPresent();
    }

    @Test
    void whileTheFileIsUnusableTheRejectionSaysWhy() throws Exception {
        NaclKeyPair workerKey = NaclKeyPair.generate();
        NaclKeyPair aliceKey = NaclKeyPair.generate();
        replace(aliceKey.publicKey().base64() + " alice\n");
        SealedCodec worker = SealedCodec.builder().identity(workerKey).clock(clock)
                .knownSenders(KnownSenders.load(file, clock)).build();
        SealedCodec alice = SealedCodec.builder().identity(aliceKey).recipient(workerKey.publicKey()).clock(clock).build();
        assertThat(worker.decodeRequest(alice.encodeRequest(Request.builder("outpost.ping").build())).sender()).isPresent();

        replace("not a key\n");
        clock.advance(Duration.ofSeconds(1));
        assertThatThrownBy(() -> worker.decodeRequest(alice.encodeRequest(Request.builder("outpost.ping").build())))
                .isInstanceOfSatisfying(CodecException.class, e -> {
                    assertThat(e.reason()).isEqualTo(RejectReason.UNKNOWN_SENDER);
                    assertThat(e.getMessage()).contains(aliceKey.publicKey().keyIdHex(), "known-senders file is unusable",
                            "line 1");
                });
        assertThat(worker.sealedStatus().knownSenders().failing()).isTrue();
    }

    @Test
    void onlyARegularFileOfReasonableSizeIsRead() throws Exception {
        Path sub = Files.createDirectory(dir.resolve("a-directory"));
        assertThatThrownBy(() -> KnownSenders.load(sub, clock)).isInstanceOf(KeyFileException.class)
                .hasMessageContaining("not a regular file");
        KnownSenders k = aliceAndBob();
        replace((ALICE.base64() + " alice\n").repeat(30_000));
        clock.advance(Duration.ofSeconds(1));
        assertThat(k.find(ALICE)).isEmpty();
        assertThat(k.status().lastError().orElseThrow()).contains("more than the 1048576");
    }

    @Test
    void malformedLinesNameTheirLineNumber() throws Exception {
        replace("\n# ok\nnot-a-key alice\n");
        assertThatThrownBy(() -> KnownSenders.load(file)).isInstanceOf(KeyFileException.class).hasMessageContaining("line 3");
        replace(ALICE.base64() + " a\n" + ALICE.base64() + " b\n");
        assertThatThrownBy(() -> KnownSenders.load(file)).hasMessageContaining("twice");
    }

    @Test
    void aFixedListRefusesAKeyListedTwiceWithOtherRights() {
        KnownSender limited = new KnownSender(ALICE, "alice", java.util.Optional.of(Set.of("outpost.ping")));
        assertThatThrownBy(() -> KnownSenders.of(limited, KnownSender.of(ALICE, "alice-admin")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining(ALICE.keyIdHex()).hasMessageContaining("twice");
        assertThat(KnownSenders.of(limited, limited).find(ALICE)).as("the same sender twice is one sender").contains(limited);
    }

    @Test
    void aNameGivenToTwoKeysIsRefused() throws Exception {
        // a name is what the worker hands on as the sender's: idempotency keys, broker rules, audit lines and writer stamps
        // go by it, so two keys under one name would read each other's stored answers and pass for each other
        replace(ALICE.base64() + " ops\n# a second laptop\n" + BOB.base64() + " ops outpost.ping\n");
        assertThatThrownBy(() -> KnownSenders.load(file, clock)).isInstanceOf(KeyFileException.class)
                .hasMessageContaining("line 3").hasMessageContaining("'ops'").hasMessageContaining("line 1");
        KnownSenders k = aliceAndBob();
        replace(ALICE.base64() + " alice\n" + BOB.base64() + " alice\n");
        clock.advance(Duration.ofSeconds(1));
        assertThat(k.find(ALICE)).as("a bad edit fails closed").isEmpty();
        assertThat(k.status().lastError().orElseThrow()).contains("'alice'");
        assertThatThrownBy(() -> KnownSenders.of(KnownSender.of(ALICE, "ops"), KnownSender.of(BOB, "ops")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("'ops'");
    }

    @Test
    void aNameWithAControlCharacterIsRefusedNamingTheLine() throws Exception {
        // not whitespace to the line's split, so it stayed in the name, and from there in log lines and stamps:
        // NEL splits a line for some readers, ESC drives a terminal
        for (String name : new String[] {"ops\u0085x", "ops\u001b[2J", "op\u0000s"}) {
            replace("# ok\n" + ALICE.base64() + " " + name + "\n");
            assertThatThrownBy(() -> KnownSenders.load(file, clock)).as(name).isInstanceOf(KeyFileException.class)
                    .hasMessageContaining("line 2").hasMessageContaining("control character").hasMessageNotContaining(name);
        }
        replace(ALICE.base64() + " ops@host-1.example\n");
        assertThat(KnownSenders.load(file, clock).find(ALICE).orElseThrow().name()).isEqualTo("ops@host-1.example");
    }

    @Test
    void aFixedListIsNeverFailing() {
        KnownSendersStatus s = KnownSenders.of(KnownSender.of(ALICE, "alice")).status();
        assertThat(s.file()).isEmpty();
        assertThat(s.senders()).isEqualTo(1);
        assertThat(s.failing()).isFalse();
    }
}
