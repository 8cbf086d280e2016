package dev.outpost.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.outpost.Json;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code outpost kv} on a local SQLite file: every operation, its formats and exit codes. */
class KvCommandTest {
    @TempDir
    Path dir;

    private CliTest.Run kv(String... args) {
        String[] all = new String[args.length + 3];
        all[0] = "kv";
        System.arraycopy(args, 0, all, 1, args.length);
        all[args.length + 1] = "--db";
        all[args.length + 2] = dir.resolve("kv.db").toString();
        return CliTest.run(all);
    }

    @Test
    void putGetUpdateListDeleteOnALocalFile() {
        CliTest.Run first = kv("put", "svc/web/1", "{\"port\":8080}");
        assertThat(first.code()).as(first.err()).isZero();
        assertThat(kv("put", "svc/web/1", "{\"port\":1}").code()).as("create only").isEqualTo(ExitCodes.SOME_FAILED);
        CliTest.Run got = kv("get", "svc/web/1", "-f", "json");
        assertThat(got.code()).isZero();
        assertThat(Json.parse(got.out()).path("value").path("port").asInt()).isEqualTo(8080);
        assertThat(kv("update", "svc/web/1", "{\"host\":\"a\"}").code()).isZero();
        assertThat(kv("put", "svc/web/1", "{\"port\":9}", "--version", "1").code()).as("stale version").isEqualTo(ExitCodes.SOME_FAILED);
        assertThat(kv("put", "svc/web/2", "{\"port\":2}").code()).isZero();
        CliTest.Run csv = kv("list", "svc/", "-f", "csv");
        assertThat(csv.out().lines().toList()).hasSize(3).first().isEqualTo("key,version,value");
        assertThat(csv.out()).contains("svc/web/1,2,\"{\"\"port\"\":8080,\"\"host\"\":\"\"a\"\"}\"");
        assertThat(kv("delete", "svc/web/2").code()).isZero();
        assertThat(kv("get", "svc/web/2").code()).isEqualTo(ExitCodes.SOME_FAILED);
    }

    @Test
    void aReadOfARegistryFileThatIsNotThereCreatesNothingAndSaysSo() {
        // a mistyped --db used to open a new empty registry (its folders too) and answer "no key": exit 1, as if read
        Path typo = dir.resolve("no/such/kv.db");
        for (String[] args : new String[][] {{"get", "svc/a"}, {"list", "svc/"}, {"export", "svc/"}, {"delete", "svc/a"}}) {
            String[] all = java.util.stream.Stream.concat(java.util.stream.Stream.of("kv"),
                    java.util.stream.Stream.concat(java.util.Arrays.stream(args), java.util.stream.Stream.of("--db", typo.toString())))
                    .toArray(String[]::new);
            CliTest.Run run = CliTest.run(all);
            assertThat(run.code()).as(args[0] + ": " + run.err()).isEqualTo(ExitCodes.IO_ERROR);
            assertThat(run.err()).as(args[0]).contains(typo.toString()).contains("no registry file");
            assertThat(dir.resolve("no")).as(args[0]).doesNotExist();
        }
        assertThat(kv("put", "svc/a", "1").code()).as("a put creates the file").isZero();
    }

    @Test
    void aRegistryFileThatCannotBeCreatedIsAFileErrorNotAnUnreachableTransport() throws Exception {
        // its folder is a file: before, exit 69 and a hint to check the SQS endpoint and AWS credentials
        Path notADir = Files.writeString(dir.resolve("plain"), "x");
        CliTest.Run run = CliTest.run("kv", "put", "svc/a", "1", "--db", notADir.resolve("kv.db").toString());
        assertThat(run.code()).as(run.err()).isEqualTo(ExitCodes.IO_ERROR);
        assertThat(run.err()).contains(notADir.resolve("kv.db").toString()).contains("--db").doesNotContain("outpost.sqs");
    }

    @Test
    void listWatchAndExportWithoutAPrefixAskForOne() {
        // a listing never crosses namespaces, so no prefix cannot mean "everything": say what is missing
        for (String sub : new String[] {"list", "watch", "export"}) {
            CliTest.Run run = kv(sub);
            assertThat(run.code()).as(sub + ": " + run.err()).isEqualTo(ExitCodes.USAGE);
            assertThat(run.err()).as(sub).contains("PREFIX").contains("outpost kv " + sub + " --help");
        }
    }

    @Test
    void aKeyTheRegistryCannotTakeIsAUsageErrorNotAFailedAnswer() {
        // exit 1 says "the registry said no" (an existing key, a stale version); a malformed key is a typo on the command line
        assertThat(kv("put", "svc/x", "1").code()).as("the file to read").isZero();
        for (String[] args : new String[][] {{"get", "no-slash"}, {"put", "no slash", "{}"}, {"update", "x", "{}"},
                {"delete", "x"}, {"list", "no-slash"}, {"export", "a/", "no-slash"}}) {
            CliTest.Run run = kv(args);
            assertThat(run.code()).as(String.join(" ", args) + ": " + run.err()).isEqualTo(ExitCodes.USAGE);
            assertThat(run.err()).as(args[0]).contains("invalid key").contains("outpost kv " + args[0] + " --help")
                    .doesNotContain("--verbose");
        }
    }

    @Test
    void aRefusalOfTheRegistryIsHintedAtWhatToDoNotAtAStackTrace() {
        assertThat(kv("put", "svc/a", "{}").code()).isZero();
        // before: "run again with --verbose for the stack trace", as if the command had failed, for the registry's plain answers
        for (String[] args : new String[][] {{"put", "svc/a", "{}"}, {"put", "svc/a", "{}", "--version", "7"},
                {"update", "svc/none", "{}"}}) {
            CliTest.Run run = kv(args);
            assertThat(run.code()).as(run.err()).isEqualTo(ExitCodes.SOME_FAILED);
            assertThat(run.err()).as(run.err()).contains("hint: nothing was changed").doesNotContain("--verbose");
        }
        assertThat(Outpost.hint(new dev.outpost.spi.RegistryException.Forbidden("svc/a", "no"))).hasValueSatisfying(h ->
                assertThat(h).contains("nothing was changed").contains("outpost.kv.access-key"));
    }

    @Test
    void aStoredValueCannotDriveTheTerminalInAnyFormat() {
        String hostile = "x\u009B2J\u202Ey\u001B]0;t\u0007";
        assertThat(kv("put", "svc/h", Json.object().put("v", hostile).toString()).code()).isZero();
        for (String format : new String[] {"text", "table", "csv", "json", "jsonl"}) {
            CliTest.Run got = kv("get", "svc/h", "-f", format);
            assertThat(got.code()).as(format).isZero();
            assertThat(got.out()).as(format).doesNotContain("\u009B", "\u202E", "\u001B", "\u0007");
            if (format.startsWith("json")) {
                assertThat(Json.parse(got.out()).path("value").path("v").asText()).as("the same document").isEqualTo(hostile);
            }
        }
    }

    @Test
    void aStoredKeyCannotDriveTheTerminalEither() {
        // keys refuse C0 and (since e3187fa5) C1 controls, but not bidirectional characters: any writer of the namespace
        // can store one, and list, get and watch printed it as it was in text and table formats
        String hostile = "svc/a\u202Eexe.txt";
        assertThat(kv("put", hostile, "{}").code()).isZero();
        for (String format : new String[] {"text", "table", "csv"}) {
            for (String[] args : new String[][] {{"list", "svc/", "-f", format}, {"get", hostile, "-f", format}}) {
                CliTest.Run got = kv(args);
                assertThat(got.code()).as(String.join(" ", args)).isZero();
                assertThat(got.out()).as(String.join(" ", args)).contains("svc/a").doesNotContain("\u202E");
            }
        }
    }

    @Test
    void exportImportAndBackupRestore() throws Exception {
        kv("put", "a/1", "{\"v\":1}");
        kv("put", "a/2", "{\"v\":2}");
        Path lines = dir.resolve("export.jsonl");
        assertThat(kv("export", "a/", "--out", lines.toString()).code()).isZero();
        assertThat(Files.readAllLines(lines)).hasSize(2);
        Path backup = dir.resolve("backup.db");
        assertThat(kv("backup", backup.toString()).code()).isZero();
        kv("update", "a/1", "{\"v\":100}");
        kv("delete", "a/2");
        CliTest.Run add = kv("import", lines.toString());
        assertThat(add.out()).contains("(ADD)");
        assertThat(Json.parse(kv("get", "a/1", "-f", "json").out()).path("value").path("v").asInt()).as("add keeps existing keys")
                .isEqualTo(100);
        assertThat(kv("restore", backup.toString()).code()).isZero();
        assertThat(Json.parse(kv("get", "a/1", "-f", "json").out()).path("value").path("v").asInt()).isEqualTo(1);
    }

    @Test
    void anExportFileIsOwnerOnlyAlsoWhenItReplacesAnotherFile() throws Exception {
        kv("put", "a/1", "{\"v\":1}");
        Path lines = dir.resolve("export.jsonl");
        assertThat(kv("export", "a/", "--out", lines.toString()).code()).isZero();
        assertThat(java.nio.file.attribute.PosixFilePermissions.toString(Files.getPosixFilePermissions(lines))).isEqualTo("rw-------");
        // an existing file is replaced by a new owner-only one, whole, once every entry is in it
        Path shared = Files.writeString(dir.resolve("shared.jsonl"), "old");
        Files.setPosixFilePermissions(shared, java.nio.file.attribute.PosixFilePermissions.fromString("rw-r--r--"));
        assertThat(kv("export", "a/", "--out", shared.toString()).code()).isZero();
        assertThat(java.nio.file.attribute.PosixFilePermissions.toString(Files.getPosixFilePermissions(shared))).isEqualTo("rw-------");
        assertThat(Files.readAllLines(shared)).hasSize(1);
    }
}
