package dev.outpost.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.outpost.Json;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The commands run in this JVM (Outpost.run), their output in each format and their exit codes. */
class CliTest {
    @TempDir
    Path dir;

    record Run(int code, String out, String err) {}

    static Run run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = Outpost.run(args, new PrintWriter(out, true), new PrintWriter(err, true));
        return new Run(code, out.toString(), err.toString());
    }

    @Test
    void pingOnTheDemoFleetPrintsOneJsonLine() {
        Run r = run("ping", "--demo", "-f", "jsonl");
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(Json.parse(r.out().trim()).path("worker").asText()).isEqualTo("demo-1");
        assertThat(Json.parse(r.out().trim()).path("status").asText()).isEqualTo("ok");
    }

    @Test
    void onlyTheNamedCommandIsBuiltAndHelpStillListsEveryOne() {
        assertThat(Outpost.needed(new String[] {"ping", "--demo", "-f", "text"})).containsExactly("ping");
        assertThat(Outpost.needed(new String[] {"help", "kv"})).containsExactly("help", "kv");
        assertThat(Outpost.needed(new String[] {"--version"})).isEmpty();
        assertThat(Outpost.needed(new String[] {"pnig"})).as("a typo gets every name, for picocli's suggestion")
                .containsExactlyElementsOf(Outpost.COMMANDS.keySet());
        Run help = run("--help");
        assertThat(help.code()).isZero();
        assertThat(Outpost.COMMANDS.keySet()).allSatisfy(name -> assertThat(help.out()).contains("  " + name));
        Run typo = run("pnig", "--demo");
        assertThat(typo.code()).isEqualTo(ExitCodes.USAGE);
        assertThat(run("help", "ping").out()).contains("--to");
        assertThat(run("ping", "--demo", "--to", "demo-3", "-f", "text").out()).startsWith("demo-3 ok");
    }

    @Test
    void aMisspelledCommandIsNamedWithTheNearestOneAndAHintThatRuns() {
        // before: "Unmatched argument at index 0: 'colectors'" and "hint: outpost help " (no command: a dangling space)
        for (String[] args : List.of(new String[] {"colectors", "--demo"}, new String[] {"help", "colectors"})) {
            Run r = run(args);
            assertThat(r.code()).isEqualTo(ExitCodes.USAGE);
            assertThat(r.err()).as(String.join(" ", args)).contains("unknown command 'colectors'")
                    .contains("did you mean 'collectors'?");
            assertThat(r.err().lines().toList()).as(String.join(" ", args)).contains("hint: outpost help");
        }
    }

    @Test
    void listingOrRevokingFromAKnownSendersFileThatIsNotThereSaysHowToMakeOne(@TempDir Path dir) {
        // before: "cannot read: java.nio.file.NoSuchFileException: …" and a hint about owner-only permissions
        String file = dir.resolve("known_senders").toString();
        for (String[] args : List.of(new String[] {"senders", "list", "--file", file},
                new String[] {"senders", "revoke", "ops", "--file", file})) {
            Run r = run(args);
            assertThat(r.code()).isEqualTo(ExitCodes.IO_ERROR);
            assertThat(r.err()).as(String.join(" ", args)).contains(file + ": no such file")
                    .doesNotContain("NoSuchFileException").contains("outpost senders add KEY --name NAME --file FILE creates a known-senders file");
        }
    }

    @Test
    void aBroadcastThatGotFewerAnswersThanExpectedSaysSoInEveryFormat() {
        // before: off a terminal (text, jsonl, csv) it exited 1 with nothing on stderr to say why
        for (String format : List.of("text", "jsonl", "csv", "json")) {
            Run r = run("broadcast", "demo.uptime", "--demo", "--expect", "7", "--deadline", "1s", "-f", format);
            assertThat(r.code()).as(format + ": " + r.err()).isEqualTo(ExitCodes.SOME_FAILED);
            assertThat(r.err()).as(format).contains("5 of 7 expected answered");
            assertThat(r.out()).as(format + ": the answers stay on stdout, alone").doesNotContain("expected answered");
        }
    }

    @Test
    void commandsWithoutADemoFleetRefuseDemoInsteadOfAskingForATransport() {
        for (String[] args : List.of(new String[] {"worker", "--demo"}, new String[] {"broker", "--demo"},
                new String[] {"record-store", "--demo"}, new String[] {"host-agent", "--demo"},
                new String[] {"kv", "--demo", "list", "fleet/"}, new String[] {"kv", "list", "fleet/", "--demo"})) {
            Run r = run(args);
            assertThat(r.code()).as(String.join(" ", args) + ": " + r.err()).isEqualTo(ExitCodes.USAGE);
            assertThat(r.err()).as(String.join(" ", args)).contains("--demo: outpost " + args[0]).contains("has no demo fleet")
                    .doesNotContain("outpost.sqs.region:");
        }
        assertThat(run("kv", "--demo", "get", "svc/a").err()).contains("--db FILE");
    }

    @Test
    void onlyTheCommandsThatCanUseTheDemoFleetOfferDemoInTheirHelp() {
        for (String[] args : List.of(new String[] {"help", "worker"}, new String[] {"worker", "--help"},
                new String[] {"broker", "--help"}, new String[] {"record-store", "--help"}, new String[] {"host-agent", "--help"},
                new String[] {"kv", "--help"}, new String[] {"kv", "list", "--help"}, new String[] {"help", "install-service"},
                new String[] {"keygen", "--help"})) {
            Run r = run(args);
            assertThat(r.code()).as(String.join(" ", args) + ": " + r.err()).isZero();
            // the footer's "e.g. outpost ping --demo" is inherited by every command: only the synopsis and the option list count
            assertThat(r.out()).as(String.join(" ", args)).startsWith("Usage: outpost").doesNotContain("[--demo]")
                    .doesNotContainPattern("(?m)^ +--demo ");
        }
        for (String[] args : List.of(new String[] {"help", "call"}, new String[] {"call", "--help"}, new String[] {"ping", "--help"},
                new String[] {"broadcast", "--help"}, new String[] {"status", "--help"}, new String[] {"collectors", "--help"},
                new String[] {"ops", "--help"})) {
            Run r = run(args);
            assertThat(r.code()).as(String.join(" ", args) + ": " + r.err()).isZero();
            assertThat(r.out()).as(String.join(" ", args)).contains("[--demo]").containsPattern("(?m)^ +--demo +Talk to");
        }
    }

    @Test
    void broadcastAccountsForEveryWorkerInEachFormat() {
        Run json = run("broadcast", "demo.fail", "--demo", "-f", "json");
        assertThat(json.code()).as("demo-5 fails: some failed").isEqualTo(ExitCodes.SOME_FAILED);
        assertThat(Json.parse(json.out())).hasSize(5);
        assertThat(Json.parse(json.out()).findValuesAsText("worker")).containsExactlyInAnyOrder("demo-1", "demo-2", "demo-3",
                "demo-4", "demo-5");

        Run csv = run("broadcast", "demo.uptime", "--demo", "-f", "csv", "-p", "unit=s");
        assertThat(csv.code()).as(csv.out() + csv.err()).isZero();
        List<String> lines = csv.out().lines().toList();
        assertThat(lines.get(0)).isEqualTo("worker,status,millis,result,error");
        assertThat(lines).hasSize(6);

        Run text = run("broadcast", "demo.echo", "--demo", "-f", "text", "--params-json", "{\"a\":[1,2]}");
        assertThat(text.code()).as(text.out() + text.err()).isZero();
        assertThat(text.out().lines()).hasSize(5).allMatch(l -> l.matches("demo-\\d ok \\{\"a\":\\[1,2]}"));

        Run table = run("broadcast", "demo.echo", "--demo", "-f", "table");
        assertThat(table.out()).startsWith("WORKER").contains("5 of 5 answered, 0 failed");
        assertThat(table.err()).as("no progress bar when not on a terminal").doesNotContain("[#");
    }

    @Test
    void aSingleAnswerTooLongForItsCellIsPrintedInFullBelowItsRow() {
        Run status = run("status", "--demo", "-f", "table");
        assertThat(status.code()).as(status.err()).isZero();
        List<String> lines = status.out().lines().toList();
        assertThat(lines.get(1)).startsWith("demo-1").endsWith("…");
        assertThat(lines).as("the whole status, indented").contains("    \"state\" : \"RUNNING\",")
                .anySatisfy(l -> assertThat(l).startsWith("    \"counters\" : {"));

        Run shortOne = run("call", "demo.uptime", "--demo", "-f", "table", "-p", "unit=s");
        assertThat(shortOne.out().lines()).as("an answer that fits its cell stays one row").hasSize(2);
    }

    @Test
    void onATerminalTheProgressBarIsClearedBeforeEachRow() {
        // a terminal shows both streams on one screen, and main's writers buffer: share one, buffered twice
        StringWriter screen = new StringWriter();
        String was = System.setProperty("outpost.cli.tty", "true");
        try {
            int code = Outpost.run(new String[] {"broadcast", "demo.echo", "--demo", "-f", "table"},
                    new PrintWriter(new java.io.BufferedWriter(screen), true), new PrintWriter(new java.io.BufferedWriter(screen), true));
            assertThat(code).isZero();
        } finally {
            if (was == null) {
                System.clearProperty("outpost.cli.tty");
            } else {
                System.setProperty("outpost.cli.tty", was);
            }
        }
        List<String> shown = screen.toString().lines()
                .map(l -> l.substring(l.lastIndexOf('\r') + 1).replace("\033[K", ""))
                .toList();
        assertThat(shown).as(screen.toString()).filteredOn(l -> l.contains("demo-")).hasSize(5)
                .allSatisfy(l -> assertThat(l).startsWith("demo-"));
    }

    @Test
    void aWorkersTextCannotDriveOrReorderTheTerminal() {
        String hostile = "a\u202Eb\u009B31mc\u200Fd"; // right-to-left override, 8-bit CSI, right-to-left mark
        for (String format : List.of("text", "table")) {
            Run r = run("call", "demo.echo", "--demo", "-f", format, "-p", "x=" + hostile);
            assertThat(r.code()).as(r.err()).isZero();
            assertThat(r.out()).as(format).doesNotContain("\u202E", "\u009B", "\u200F").contains("a b 31mc d");
        }
    }

    @Test
    void exitCodesSayWhatHappened() {
        assertThat(run("call", "no.such.collector", "--demo", "--to", "demo-2").code()).isEqualTo(ExitCodes.SOME_FAILED);
        // demo-3's demo.echo takes 300 ms
        assertThat(run("call", "demo.echo", "--demo", "--to", "demo-3", "--timeout", "50ms").code()).isEqualTo(ExitCodes.NONE_ANSWERED);
        Run noSuchDemo = run("ping", "--demo", "--to", "demo-9");
        assertThat(noSuchDemo.code()).isEqualTo(ExitCodes.USAGE); // before: waited 10 s for an answer no one would give
        assertThat(noSuchDemo.err()).contains("--to demo-9: no demo worker reads it").contains("demo-1, demo-2, demo-3, demo-4, demo-5");
        Run usage = run("call", "x", "--bogus");
        assertThat(usage.code()).isEqualTo(ExitCodes.USAGE);
        assertThat(usage.err()).contains("Unknown option: '--bogus'").contains("hint: outpost help call");
        Run badJson = run("call", "x", "--demo", "--params-json", "[1]");
        assertThat(badJson.code()).isEqualTo(ExitCodes.USAGE);
        Run config = run("worker", "-D", "outpost.worker.concurency=3");
        assertThat(config.code()).isEqualTo(ExitCodes.CONFIG);
        assertThat(config.err()).contains("outpost.worker.concurency").contains("did you mean outpost.worker.concurrency")
                .doesNotContain("\tat ");
        assertThat(run("worker").err()).contains("outpost.sqs.region");
    }

    @Test
    void sendersAddKeepsEveryOtherLineAndRevokeRemovesExactlyTheNamedKey() throws Exception {
        Path keys = dir.resolve("keys");
        for (String name : List.of("alice", "bob", "carol")) {
            assertThat(run("keygen", name, "--dir", keys.toString()).code()).isZero();
        }
        Path file = dir.resolve("known_senders");
        Files.writeString(file, "# fleet operators\n");
        assertThat(run("senders", "add", keys.resolve("alice.pub").toString(), "--name", "alice", "--file", file.toString())
                .code()).isZero();
        assertThat(run("senders", "add", keys.resolve("bob.pub").toString(), "--name", "bob", "--file", file.toString(),
                "--collectors", "outpost.ping,disk.usage").code()).isZero();
        assertThat(run("senders", "add", keys.resolve("carol.pub").toString(), "--name", "carol", "--file", file.toString())
                .code()).isZero();
        assertThat(Files.readAllLines(file)).hasSize(4).first().isEqualTo("# fleet operators");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file))).isEqualTo("rw-------");
        assertThat(run("senders", "add", keys.resolve("bob.pub").toString(), "--name", "bob2", "--file", file.toString())
                .code()).as("a key already listed: a refusal, as kv put of a key that exists").isEqualTo(ExitCodes.SOME_FAILED);
        // before: written, and the file then refused as a whole, so no sender at all was obeyed
        String good = Files.readString(file);
        Path daveKeys = dir.resolve("dave");
        assertThat(run("keygen", "dave", "--dir", daveKeys.toString()).code()).isZero();
        Run star = run("senders", "add", daveKeys.resolve("dave.pub").toString(), "--name", "dave", "--file", file.toString(),
                "--collectors", "disk.*.usage");
        assertThat(star.code()).isEqualTo(ExitCodes.USAGE);
        assertThat(star.err()).contains("--collectors");
        assertThat(Files.readString(file)).isEqualTo(good);

        String bobKey = Files.readAllLines(keys.resolve("bob.pub")).get(1);
        assertThat(run("senders", "revoke", "bob", "--file", file.toString()).code()).isZero();
        String after = Files.readString(file);
        assertThat(after).doesNotContain(bobKey).contains(" alice").contains(" carol").startsWith("# fleet operators");
        Run list = run("senders", "list", "--file", file.toString());
        assertThat(list.out().lines()).hasSize(2).anyMatch(l -> l.contains("  alice  *  ")).anyMatch(l -> l.contains("  carol  "));
        assertThat(run("senders", "revoke", "bob", "--file", file.toString()).code()).isEqualTo(ExitCodes.SOME_FAILED);
    }

    @Test
    void aPortAnotherProcessHoldsIsAnIoErrorWhoseHintNamesThePortKeys() {
        // what a daemon's endpoint says when its port is taken (the metrics endpoint, the record store, discovery)
        Exception taken = new java.io.IOException("cannot bind the metrics endpoint to 127.0.0.1:9400: Address already in use",
                new java.net.BindException("Address already in use"));
        assertThat(Outpost.exitCode(taken)).isEqualTo(ExitCodes.IO_ERROR);
        // before: "run again with --verbose for the stack trace", which says nothing more
        assertThat(Outpost.hint(new java.io.UncheckedIOException((java.io.IOException) taken))).hasValueSatisfying(h ->
                assertThat(h).contains("another process listens", "outpost.metrics.prometheus.port"));
    }

    @Test
    void severalConfigurationProblemsAreOneLineWithEachProblemSetApart() {
        Run r = run("worker", "-D", "outpost.worker.concurency=3", "-D", "outpost.worker.pol-wait=1s");
        assertThat(r.code()).as(r.err()).isEqualTo(ExitCodes.CONFIG);
        String line = r.err().lines().findFirst().orElseThrow();
        // before: "...did you mean outpost.worker.concurrency? outpost.worker.pol-wait: ..." ran the problems together
        assertThat(line).startsWith("outpost: 2 configuration problems: (1) outpost.worker.")
                .contains(" (2) outpost.worker.").contains("concurency").contains("pol-wait");
    }

    @Test
    void keygenNeverOverwritesAKey() throws Exception {
        assertThat(run("keygen", "a", "--dir", dir.toString()).code()).isZero();
        String before = Files.readString(dir.resolve("a.key"));
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve("a.key")))).isEqualTo("rw-------");
        Run again = run("keygen", "a", "--dir", dir.toString());
        assertThat(again.code()).isEqualTo(ExitCodes.SOME_FAILED);
        assertThat(again.err()).contains("refusing to overwrite");
        assertThat(Files.readString(dir.resolve("a.key"))).isEqualTo(before);
    }

    @Test
    void aKeyOrSenderThatIsThereAlreadyGetsAHintAboutWhatToDoNotAboutPermissions() throws Exception {
        Path keys = dir.resolve("keys");
        assertThat(run("keygen", "a", "--dir", keys.toString()).code()).isZero();
        assertThat(run("keygen", "c", "--dir", keys.toString()).code()).isZero();
        Path file = dir.resolve("known_senders");
        assertThat(run("senders", "add", keys.resolve("a.pub").toString(), "--name", "a", "--file", file.toString()).code()).isZero();
        // before: "keys and known-senders files must be owner-only", about files that were owner-only
        for (Run refused : List.of(run("keygen", "a", "--dir", keys.toString()),
                run("keygen", "--discovery", "--out", keys.resolve("a.key").toString()),
                run("senders", "add", keys.resolve("a.pub").toString(), "--name", "b", "--file", file.toString()),
                run("senders", "add", keys.resolve("c.pub").toString(), "--name", "a", "--file", file.toString()))) {
            // before: 74, "a file could not be read or written", about files that were read and left alone
            assertThat(refused.code()).as(refused.err()).isEqualTo(ExitCodes.SOME_FAILED);
            assertThat(refused.err()).as(refused.err()).contains("nothing was changed").doesNotContain("owner-only");
        }
    }

    @Test
    void keygenDiscoveryMakesAKeyTheBrokerSignsWithAndTheHostsPinnedKeyVerifies() throws Exception {
        Path key = dir.resolve("broker/discovery.key");
        Run r = run("keygen", "--discovery", "--out", key.toString());
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(key))).isEqualTo("rw-------");
        List<String> printed = r.out().lines().toList();
        String configLine = printed.stream().filter(l -> l.startsWith("outpost.broker.discovery.signing-key-file: "))
                .findFirst().orElseThrow(() -> new AssertionError("no configuration line in " + r.out()));
        String publicKey = printed.stream().filter(l -> l.startsWith(dev.outpost.kv.DiscoveryKeys.PREFIX))
                .findFirst().orElseThrow(() -> new AssertionError("no public key in " + r.out()));
        // the broker configured by the printed line answers, and a host pinning the printed key takes the answer
        Path brokerConfig = Files.writeString(dir.resolve("broker.yaml"), configLine + "\n");
        var config = dev.outpost.core.config.OutpostConfig.builder().localFile(brokerConfig).build();
        var kv = dev.outpost.core.registry.InMemoryRegistry.create();
        kv.register("svc/billing", Json.parse("1"), java.util.Optional.empty());
        try (var responder = dev.outpost.kv.DiscoveryResponder.builder(kv,
                new java.net.InetSocketAddress(java.net.InetAddress.getLoopbackAddress(), 0)).discoverable("svc")
                .configure(config).build().start()) {
            assertThat(dev.outpost.kv.DiscoveryClient.find(responder.address(), "svc/billing",
                    dev.outpost.kv.DiscoveryKeys.publicKey(publicKey), java.time.Duration.ofSeconds(5))).isPresent();
        }
        String before = Files.readString(key);
        Run again = run("keygen", "--discovery", "--out", key.toString());
        assertThat(again.code()).isEqualTo(ExitCodes.SOME_FAILED);
        assertThat(again.err()).contains("refusing to overwrite");
        assertThat(Files.readString(key)).isEqualTo(before);
        assertThat(run("keygen", "--discovery").code()).as("no --out").isEqualTo(ExitCodes.USAGE);
        assertThat(run("keygen").code()).as("neither NAME nor --discovery").isEqualTo(ExitCodes.USAGE);
    }

    @Test
    void everyCommandAnswersDashDashHelpWithItsUsage() {
        for (String name : Outpost.COMMANDS.keySet()) {
            if (name.equals("help") || name.equals("generate-completion")) {
                continue;
            }
            Run r = run(name, "--help");
            assertThat(r.code()).as(name + ": " + r.err()).isZero();
            assertThat(r.out()).as(name).startsWith("Usage: outpost " + name);
        }
        Run nested = run("kv", "get", "-h");
        assertThat(nested.code()).as(nested.err()).isZero();
        assertThat(nested.out()).startsWith("Usage: outpost kv get");
    }

    @Test
    void versionAndHelp() {
        assertThat(run("--version").out()).startsWith("outpost ");
        Run help = run("help", "broadcast");
        assertThat(help.code()).isZero();
        assertThat(help.out()).contains("--deadline").contains("--expect");
        // before: "1 some failed", while a key or sender already there (nothing changed) exits 1 too
        assertThat(run("--help").out()).contains("Exit codes: 0 all ok, 1 some failed or refused (nothing changed),");
        assertThat(run("generate-completion").out()).contains("complete -F");
    }

    @Test
    void aConfigurationFileThatDoesNotParseNamesTheFileAndLineAndNeverPrintsTheSecretOnIt() throws Exception {
        Map<String, String> files = Map.of(
                "stray-colon.yaml", "outpost:\n  sqs:\n    secret-access-key: wJalrXUtnFEMI/K7MDENG: x\n",
                "unclosed-quote.yaml", "outpost.sqs.secret-access-key: \"wJalrXUtnFEMI/K7MDENG\n",
                "unquoted.json", "{\"outpost.sqs.secret-access-key\": wJalrXUtnFEMI/K7MDENG}");
        for (Map.Entry<String, String> f : files.entrySet()) {
            Path file = dir.resolve(f.getKey());
            Files.writeString(file, f.getValue());
            Run r = run("worker", "--config", file.toString());
            assertThat(r.code()).as(r.err()).isEqualTo(ExitCodes.CONFIG);
            assertThat(r.err()).as(f.getKey()).contains(file.toString()).contains("line ").doesNotContain("wJalrXUtnFEMI");
        }
    }

    @Test
    void aMistypedDashDNamesTheKeyAndNeverPrintsTheValue() {
        Run r = run("worker", "-D", "outpost.sqs.secret-access-key:wJalrXUtnFEMI/K7MDENG");
        assertThat(r.code()).isEqualTo(ExitCodes.USAGE);
        assertThat(r.err()).contains("outpost.sqs.secret-access-key").contains("KEY=VALUE").doesNotContain("wJalrXUtnFEMI");
    }

    @Test
    void aSecretIndentedUnderItsKeyIsNamedAsAnUnknownKeyWithoutBeingPrinted() throws Exception {
        // a value one level too deep becomes a mapping key under the secret's key: it was echoed whole
        Path file = dir.resolve("indented.yaml");
        Files.writeString(file, "outpost:\n  sqs:\n    secret-access-key:\n      wJalrXUtnFEMIK7MDENG: true\n"
                + "  ops:\n    slack:\n      bot-token:\n        xoxb-123: x\n");
        Run r = run("worker", "--config", file.toString());
        assertThat(r.code()).as(r.err()).isEqualTo(ExitCodes.CONFIG);
        assertThat(r.err()).contains("outpost.sqs.secret-access-key.<20 characters, not shown>")
                .contains("outpost.ops.slack.bot-token.<8 characters, not shown>")
                .doesNotContain("wJalrXUtnFEMI").doesNotContain("xoxb-123");
    }

    @Test
    void kvPutAndDeleteShowTheirOwnHelpAndTheirUsageErrorsPointAtIt() {
        for (String sub : List.of("put", "delete")) {
            // their own --version option (a key's version) had shadowed the inherited -h/--help as well
            Run help = run("kv", sub, "--help");
            assertThat(help.code()).as(help.err()).isZero();
            assertThat(help.out()).contains("outpost kv " + sub).contains("--version");
            Run missing = run("kv", sub);
            assertThat(missing.code()).isEqualTo(ExitCodes.USAGE);
            // "outpost help kv put" printed kv's help: picocli's help command goes one level deep
            assertThat(missing.err()).contains("hint: outpost kv " + sub + " --help");
        }
        assertThat(run("call", "--bogus").err()).contains("hint: outpost help call");
    }

    @Test
    void anOutboxFolderThatCannotBeUsedNamesItsKey() throws Exception {
        // its parent is a file: before, "outpost: …/plain/outbox: not a directory", nothing saying which setting chose it
        Path plain = java.nio.file.Files.writeString(dir.resolve("plain"), "x");
        Path cfg = java.nio.file.Files.writeString(dir.resolve("agent.yaml"), """
                outpost:
                  outbox:
                    dir: %s
                  sqs:
                    region: us-east-1
                    endpoint: http://127.0.0.1:1
                    access-key-id: test
                    secret-access-key: test
                """.formatted(plain.resolve("outbox")));
        Run run = run("host-agent", "--config", cfg.toString());
        assertThat(run.code()).as(run.err()).isEqualTo(ExitCodes.IO_ERROR);
        assertThat(run.err()).contains("outpost.outbox.dir '" + plain.resolve("outbox") + "' (set in " + cfg);
    }

    @Test
    void anOutboxFolderOtherUsersMayWriteIsRefusedSayingWhyAndTheFix() throws Exception {
        org.junit.jupiter.api.Assumptions.assumeTrue(dev.outpost.core.files.OwnerOnlyFiles.posix(dir));
        Path shared = java.nio.file.Files.createDirectory(dir.resolve("shared-outbox"));
        java.nio.file.Files.setPosixFilePermissions(shared, java.nio.file.attribute.PosixFilePermissions.fromString("rwxrwx---"));
        Path cfg = java.nio.file.Files.writeString(dir.resolve("agent.yaml"), """
                outpost:
                  outbox:
                    dir: %s
                  sqs:
                    region: us-east-1
                    endpoint: http://127.0.0.1:1
                    access-key-id: test
                    secret-access-key: test
                """.formatted(shared));
        Run run = run("host-agent", "--config", cfg.toString());
        assertThat(run.code()).as(run.err()).isEqualTo(ExitCodes.IO_ERROR);
        assertThat(run.err()).contains("outpost.outbox.dir '" + shared + "' (set in " + cfg).contains("writable by other users")
                .contains("chmod 700 " + shared);
        assertThat(java.nio.file.Files.list(shared)).as("nothing written there").isEmpty();
    }

    @Test
    void aConfigFileThatIsNotThereIsSaidToBeMissing() {
        Path missing = dir.resolve("wokrer.yaml");
        Run r = run("worker", "--config", missing.toString());
        assertThat(r.code()).isEqualTo(ExitCodes.CONFIG);
        // it said "cannot read /…/wokrer.yaml" for a missing file and an unreadable one alike
        assertThat(r.err()).contains("--config: cannot read " + missing.toAbsolutePath() + ": no such file");
    }
}
