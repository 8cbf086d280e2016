package dev.outpost.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Mistaken and hostile input: one clear line, the documented exit code, nothing written that should not be. */
class HostileInputTest {
    @TempDir
    Path dir;

    @Test
    void aKvValueThatIsNotJsonIsAUsageErrorNotAnInternalOne() {
        String db = dir.resolve("r.db").toString();
        CliTest.Run put = CliTest.run("kv", "--db", db, "put", "app/k", "{\"a\": 1");
        assertThat(put.code()).as(put.err()).isEqualTo(ExitCodes.USAGE);
        assertThat(put.err()).contains("JSON").contains("hint: outpost kv put --help");
        CliTest.Run update = CliTest.run("kv", "--db", db, "update", "app/k", "{nope");
        assertThat(update.code()).as(update.err()).isEqualTo(ExitCodes.USAGE);
    }

    @Test
    void aBroadcastExpectingNoOneOrFewerIsAUsageError() {
        for (String n : new String[] {"0", "-1"}) {
            CliTest.Run r = CliTest.run("broadcast", "demo.echo", "--demo", "--expect", n, "-f", "text");
            assertThat(r.code()).as(n + ": " + r.err()).isEqualTo(ExitCodes.USAGE);
            assertThat(r.err()).contains("--expect");
        }
    }

    @Test
    void aTimeoutTooLongToComputeWithIsAUsageErrorNotAnOverflow() {
        CliTest.Run r = CliTest.run("call", "demo.echo", "--demo", "--timeout", "100000000000000d");
        assertThat(r.code()).as(r.err()).isEqualTo(ExitCodes.USAGE);
        assertThat(r.err()).contains("--timeout").doesNotContain("overflow");
    }

    @Test
    void aHostAgentPeriodThatIsNotPositiveNamesItsKeyAndWhereItWasSet() throws Exception {
        Path file = dir.resolve("agent.yaml");
        Files.writeString(file, "outpost:\n  agent:\n    period: 0s\n  sqs:\n    region: eu-west-1\n"
                + "    endpoint: http://127.0.0.1:1\n  outbox:\n    dir: " + dir.resolve("outbox") + "\n");
        CliTest.Run r = CliTest.run("host-agent", "--config", file.toString());
        assertThat(r.code()).as(r.err()).isEqualTo(ExitCodes.CONFIG);
        assertThat(r.err()).contains("outpost.agent.period").contains(file.toString()).contains("0s");
    }

    @Test
    void aFileErrorSaysWhatIsWrongWithTheFileNotOnlyItsName() throws Exception {
        Path plain = Files.writeString(dir.resolve("plain"), "x");
        CliTest.Run keygen = CliTest.run("keygen", "k", "--dir", plain.toString());
        assertThat(keygen.code()).isEqualTo(ExitCodes.IO_ERROR);
        assertThat(keygen.err().lines().findFirst().orElseThrow()).contains(plain.toString()).isNotEqualTo("outpost: " + plain);
        CliTest.Run imported = CliTest.run("kv", "--db", dir.resolve("r.db").toString(), "import", dir.resolve("nope.jsonl").toString());
        assertThat(imported.code()).isEqualTo(ExitCodes.IO_ERROR);
        assertThat(imported.err().lines().findFirst().orElseThrow()).contains("nope.jsonl").contains("no such file");
    }

    @Test
    void aKnownSendersPathThatIsADirectoryIsNamedInTheError() {
        CliTest.Run r = CliTest.run("senders", "add", "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=", "--name", "a", "--file", dir.toString());
        assertThat(r.code()).isEqualTo(ExitCodes.IO_ERROR);
        assertThat(r.err()).contains(dir.toString());
    }

    @Test
    void anErrorLineCannotCarryBidirectionalOrControlCharacters() {
        CliTest.Run r = CliTest.run("kv", "--db", dir.resolve("r.db").toString(), "get", "a\u202Eb\u009B");
        assertThat(r.code()).isNotZero();
        assertThat(r.err()).startsWith("outpost: ").doesNotContain("\u202E").doesNotContain("\u009B");
    }

    @Test
    void anErrorLineQuotingARemoteMessageIsClipped() {
        // a broker's error message reaches the error line as RemoteRegistry throws it: as long as the broker liked
        String hostile = "the broker answered kv.get with error: " + "x".repeat(1_000_000) + "END";
        String line = Outpost.message(new dev.outpost.spi.RegistryException.Unavailable("k", hostile, null));
        assertThat(line).startsWith("the broker answered kv.get with error: xxx").doesNotContain("END");
        assertThat(line.length()).isLessThan(2_100);
        assertThat(line).endsWith("(998042 more characters)");
    }

    @Test
    void aUsageErrorQuotingAnArgumentCannotCarryBidirectionalOrControlCharacters() {
        // an argument may come from a file or a script: picocli quotes a bad value as it was given
        for (String[] args : List.of(new String[] {"call", "demo.echo", "--demo", "--timeout", "1\u202Es\u009B2J\nforged"},
                new String[] {"install-service", "worker", "--user", "x\u202Ey\u001B[2J\nforged", "--dry-run"})) {
            CliTest.Run r = CliTest.run(args);
            assertThat(r.code()).as(r.err()).isEqualTo(ExitCodes.USAGE);
            assertThat(r.err()).startsWith("outpost: ").doesNotContain("\u202E").doesNotContain("\u009B").doesNotContain("\u001B");
            assertThat(r.err().lines()).as(r.err()).noneMatch(l -> l.startsWith("forged"));
        }
    }

    @Test
    void keygenChecksForADanglingLinkBeforeWritingTheSecretKey() throws Exception {
        Path target = dir.resolve("elsewhere.pub");
        Files.createSymbolicLink(dir.resolve("a.pub"), target);
        CliTest.Run r = CliTest.run("keygen", "a", "--dir", dir.toString());
        assertThat(r.code()).as("something is there already: refused, as any key there").isEqualTo(ExitCodes.SOME_FAILED);
        assertThat(r.err()).contains("a.pub");
        assertThat(dir.resolve("a.key")).as("no secret key left behind without its public half").doesNotExist();
        assertThat(target).doesNotExist();
    }

    @Test
    void anAuditFileThatIsADirectoryStopsTheWorkerBeforeItRunsUnaudited() {
        CliTest.Run r = org.junit.jupiter.api.Assertions.assertTimeoutPreemptively(java.time.Duration.ofSeconds(60),
                () -> CliTest.run("worker", "-D", "outpost.sqs.region=eu-west-1", "-D", "outpost.sqs.endpoint=http://127.0.0.1:1",
                        "-D", "outpost.audit.file=" + dir), "the worker started with an audit log it cannot write");
        assertThat(r.code()).as(r.err()).isEqualTo(ExitCodes.CONFIG);
        assertThat(r.err()).contains("outpost.audit.file").contains(dir.toString()).contains("directory");
        assertThat(r.out()).doesNotContain("running");
    }

    @Test
    void aRegistryFileOrBackupThatCannotBeUsedIsAFileErrorAsDocumented() throws Exception {
        String db = dir.resolve("r.db").toString();
        assertThat(CliTest.run("kv", "--db", db, "put", "app/k", "1").code()).isZero();
        CliTest.Run notADb = CliTest.run("kv", "--db", dir.toString(), "get", "app/k");
        assertThat(notADb.code()).as(notADb.err()).isEqualTo(ExitCodes.IO_ERROR);
        CliTest.Run missingBackup = CliTest.run("kv", "--db", db, "restore", dir.resolve("nope.db").toString());
        assertThat(missingBackup.code()).as(missingBackup.err()).isEqualTo(ExitCodes.IO_ERROR);
        Path into = Files.createDirectory(dir.resolve("backups"));
        CliTest.Run ontoADirectory = CliTest.run("kv", "--db", db, "backup", into.toString());
        assertThat(ontoADirectory.code()).as(ontoADirectory.err()).isEqualTo(ExitCodes.IO_ERROR);
        assertThat(ontoADirectory.err()).contains(into.toString()).doesNotContain("outpost.sqs");
    }
}
