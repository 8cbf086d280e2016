package dev.outpost.cli;

import dev.outpost.core.files.OwnerOnlyFiles;
import com.fasterxml.jackson.databind.JsonNode;
import dev.outpost.Json;
import dev.outpost.cli.internal.DurationConverter;
import dev.outpost.core.Client;
import dev.outpost.core.config.OutpostConfig;
import dev.outpost.kv.ImportMode;
import dev.outpost.kv.RegistryExport;
import dev.outpost.kv.RegistryImport;
import dev.outpost.kv.RemoteRegistry;
import dev.outpost.kv.SqliteRegistry;
import dev.outpost.spi.Registry;
import dev.outpost.spi.RegistryEntry;
import dev.outpost.spi.RegistryException;
import dev.outpost.spi.RegistryWatcher;
import dev.outpost.spi.Transport;
import java.io.PrintWriter;
import java.io.Reader;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code outpost kv}: the registry, either a local SQLite file ({@code --db FILE}) or the broker
 * over the configured transport (bpbroker's client, with {@code -f json|text|csv}).
 */
@Command(name = "kv", modelTransformer = GlobalOptions.WithoutDemo.class, description = "Reads and writes the registry: a local SQLite file (--db) or the broker (configured transport).",
        subcommands = {KvCommand.Get.class, KvCommand.Put.class, KvCommand.Update.class, KvCommand.Delete.class,
                KvCommand.ListKeys.class, KvCommand.Watch.class, KvCommand.Backup.class, KvCommand.Restore.class,
                KvCommand.Import.class, KvCommand.Export.class})
final class KvCommand {
    @Mixin
    GlobalOptions global;

    @Spec
    CommandSpec spec;

    @Option(names = "--db", paramLabel = "FILE", scope = picocli.CommandLine.ScopeType.INHERIT,
            description = "A local SQLite registry file instead of the broker.")
    Path db;

    @Option(names = "--broker-queue", paramLabel = "QUEUE", defaultValue = "kv-requests", scope = picocli.CommandLine.ScopeType.INHERIT,
            description = "The broker's request queue (default ${DEFAULT-VALUE}).")
    String brokerQueue;

    /** The registry a subcommand works on, and what must be closed with it. */
    static final class Session implements AutoCloseable {
        final Registry registry;
        private final List<AutoCloseable> closeAfter;

        Session(Registry registry, List<AutoCloseable> closeAfter) {
            this.registry = registry;
            this.closeAfter = closeAfter;
        }

        @Override
        public void close() throws Exception {
            registry.close();
            for (AutoCloseable c : closeAfter) {
                c.close();
            }
        }
    }

    Session open(boolean creates) throws java.io.IOException {
        global.refuseDemo(spec, "--db FILE works on a local registry file with nothing else set up");
        if (db != null) {
            if (!creates && !Files.exists(db)) {
                // opening would create an empty registry (and its folders): a mistyped --db would read as "no key"
                throw new java.nio.file.NoSuchFileException(db.toString(), null, "no registry file; kv put or kv import creates one");
            }
            SqliteRegistry r = SqliteRegistry.builder(db).build().start();
            return new Session(r, List.of());
        }
        OutpostConfig config = global.load();
        Transport transport = WorkerCommand.transport(config);
        Client client = Client.builder(transport).configure(config).pollWait(Connection.commandPollWait(config))
                .sharedReplyTo(true).requests(brokerQueue).build().start();
        RemoteRegistry remote = RemoteRegistry.builder(client).configure(config).build();
        return new Session(remote, List.of(client, transport));
    }

    static void print(GlobalOptions g, PrintWriter out, RegistryEntry e) {
        switch (g.format()) {
            // a value is whatever its writer stored, a key short of C0 controls: neither may drive the terminal it is printed on
            case json, jsonl -> out.println(Output.json(Json.object().put("key", e.key()).put("version", e.version()).set("value", e.value())));
            case csv -> out.println(Output.csv(e.key()) + "," + e.version() + "," + Output.csv(e.value().toString()));
            default -> out.println(Output.printable(e.key()) + "\t" + e.version() + "\t" + Output.printable(e.value().toString()));
        }
    }

    /** {@code text} as JSON; a usage error naming the parameter when it is not (a typo, not a failure of the command). */
    static JsonNode json(CommandSpec spec, String label, String text) {
        try {
            return Json.parse(text);
        } catch (IllegalArgumentException e) {
            throw new picocli.CommandLine.ParameterException(spec.commandLine(), label + " is not valid JSON (quote a string:"
                    + " '\"text\"'): " + e.getMessage());
        }
    }

    abstract static class Sub implements Callable<Integer> {
        @ParentCommand
        KvCommand kv;

        @Spec
        CommandSpec spec;

        PrintWriter out() {
            return spec.commandLine().getOut();
        }

        @Override
        public Integer call() throws Exception {
            try (Session s = kv.open(creates())) {
                return run(s.registry);
            } catch (RegistryException.InvalidKey e) {
                if (!keysFromCommandLine()) {
                    throw e;
                }
                // a typo on the command line, not an answer of the registry: usage (64) and the command's help
                throw new picocli.CommandLine.ParameterException(spec.commandLine(), e.getMessage(), e);
            }
        }

        /** Whether the keys this subcommand uses are the user's arguments (not read from a file). */
        boolean keysFromCommandLine() {
            return true;
        }

        /** Whether this subcommand may create the {@code --db} file: only writes that add keys do. */
        boolean creates() {
            return false;
        }

        abstract int run(Registry registry) throws Exception;
    }

    @Command(name = "get", description = "Prints a key's value and version.")
    static final class Get extends Sub {
        @Parameters(index = "0", paramLabel = "KEY")
        String key;

        @Override
        int run(Registry r) {
            Optional<RegistryEntry> e = r.get(key);
            if (e.isEmpty()) {
                spec.commandLine().getErr().println("outpost: no key '" + key + "'");
                return ExitCodes.SOME_FAILED;
            }
            print(kv.global, out(), e.get());
            return ExitCodes.OK;
        }
    }

    @Command(name = "put", description = "Creates a key (fails if it exists), or replaces it at --version.")
    static final class Put extends Sub {
        @Override
        boolean creates() {
            return true;
        }

        // its own --version (a key's version) displaces the inherited standard options, -h/--help with it
        @Option(names = {"-h", "--help"}, usageHelp = true, description = "Show this help message and exit.")
        boolean help;

        @Parameters(index = "0", paramLabel = "KEY")
        String key;

        @Parameters(index = "1", paramLabel = "JSON")
        String json;

        @Option(names = "--version", paramLabel = "N", description = "Replace only if the current version is N.")
        Long version;

        @Option(names = "--ttl", paramLabel = "DURATION", converter = DurationConverter.class, description = "Expire after this long.")
        Duration ttl;

        @Override
        int run(Registry r) {
            JsonNode value = json(spec, "JSON", json);
            RegistryEntry e = version == null ? r.register(key, value, Optional.ofNullable(ttl))
                    : r.replace(key, value, version, Optional.ofNullable(ttl));
            print(kv.global, out(), e);
            return ExitCodes.OK;
        }
    }

    @Command(name = "update", description = "Applies a JSON merge patch to a key.")
    static final class Update extends Sub {
        @Override
        boolean creates() {
            return true;
        }

        @Parameters(index = "0", paramLabel = "KEY")
        String key;

        @Parameters(index = "1", paramLabel = "PATCH")
        String patch;

        @Override
        int run(Registry r) {
            print(kv.global, out(), r.update(key, json(spec, "PATCH", patch)));
            return ExitCodes.OK;
        }
    }

    @Command(name = "delete", description = "Deletes a key (at --version only, if given).")
    static final class Delete extends Sub {
        // its own --version (a key's version) displaces the inherited standard options, -h/--help with it
        @Option(names = {"-h", "--help"}, usageHelp = true, description = "Show this help message and exit.")
        boolean help;

        @Parameters(index = "0", paramLabel = "KEY")
        String key;

        @Option(names = "--version", paramLabel = "N")
        Long version;

        @Override
        int run(Registry r) {
            boolean gone = version == null ? r.delete(key) : r.delete(key, version);
            out().println(gone ? "deleted " + key : "no key '" + key + "'");
            return gone ? ExitCodes.OK : ExitCodes.SOME_FAILED;
        }
    }

    @Command(name = "list", description = "Lists the keys under a prefix.")
    static final class ListKeys extends Sub {
        @Parameters(index = "0", paramLabel = "PREFIX")
        String prefix;

        @Override
        int run(Registry r) {
            if (kv.global.format() == GlobalOptions.Format.csv) {
                out().println("key,version,value");
            }
            r.list(prefix).forEach(e -> print(kv.global, out(), e));
            return ExitCodes.OK;
        }
    }

    @Command(name = "watch", description = "Prints every change under a prefix until Ctrl-C.")
    static final class Watch extends Sub {
        @Parameters(index = "0", paramLabel = "PREFIX")
        String prefix;

        @Override
        int run(Registry r) throws Exception {
            CountDownLatch forever = new CountDownLatch(1);
            RegistryWatcher printer = entry -> {
                synchronized (this) {
                    if (entry.deleted()) {
                        out().println("deleted\t" + Output.printable(entry.key()));
                    } else {
                        print(kv.global, out(), entry);
                    }
                    out().flush();
                }
            };
            try (AutoCloseable w = r.watch(prefix, printer)) {
                Runtime.getRuntime().addShutdownHook(new Thread(forever::countDown));
                forever.await();
            }
            return ExitCodes.OK;
        }
    }

    @Command(name = "export", description = "Writes the entries under prefixes as JSON lines (to --out or standard output).")
    static final class Export extends Sub {
        // a listing never crosses namespaces (NAMESPACE/…): there is no "everything" to default to
        @Parameters(paramLabel = "PREFIX", arity = "1..*")
        List<String> prefixes = List.of();

        @Option(names = "--out", paramLabel = "FILE")
        Path file;

        @Override
        int run(Registry r) throws Exception {
            String[] p = prefixes.toArray(String[]::new);
            if (file == null) {
                RegistryExport.write(r, out(), p);
                out().flush();
            } else {
                // registry data: owner-only before a byte goes in, and a failed export leaves the old file whole
                long n = OwnerOnlyFiles.replace(file, out -> {
                    Writer w = new java.io.OutputStreamWriter(out, StandardCharsets.UTF_8);
                    long count = RegistryExport.write(r, w, p);
                    w.flush();
                    return count;
                });
                spec.commandLine().getErr().println("exported " + n + " entries to " + file);
            }
            return ExitCodes.OK;
        }
    }

    @Command(name = "import", description = "Reads JSON lines written by export: add (keep existing keys), overwrite, or mirror.")
    static final class Import extends Sub {
        @Override
        boolean creates() {
            return true;
        }

        @Parameters(index = "0", paramLabel = "FILE")
        Path file;

        @Option(names = "--mode", defaultValue = "ADD", paramLabel = "MODE",
                description = "${COMPLETION-CANDIDATES} (default ${DEFAULT-VALUE}).")
        ImportMode mode;

        @Override
        boolean keysFromCommandLine() {
            return false;
        }

        @Override
        int run(Registry r) throws Exception {
            try (Reader in = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
                out().println("imported " + RegistryImport.into(r, in, mode) + " entries (" + mode + ")");
            }
            return ExitCodes.OK;
        }
    }

    @Command(name = "backup", description = "Copies a local registry file (--db) to FILE, consistently, while it may be in use.")
    static final class Backup extends Sub {
        @Parameters(index = "0", paramLabel = "FILE")
        Path target;

        @Override
        int run(Registry r) throws Exception {
            if (!(r instanceof SqliteRegistry sqlite)) {
                throw new picocli.CommandLine.ParameterException(spec.commandLine(), "backup works on a local file: add --db FILE");
            }
            if (Files.isDirectory(target)) {
                // the copy fails as 'registry unavailable' (exit 69, a transport hint): it is the file named here
                throw new java.nio.file.FileAlreadyExistsException(target.toString(), null, "is a directory; name the backup file");
            }
            out().println("backed up " + sqlite.backupTo(target) + " entries to " + target);
            return ExitCodes.OK;
        }
    }

    @Command(name = "restore", description = "Replaces a local registry file (--db, not in use) with a checked backup FILE.")
    static final class Restore implements Callable<Integer> {
        @ParentCommand
        KvCommand kv;

        @Spec
        CommandSpec spec;

        @Parameters(index = "0", paramLabel = "FILE")
        Path backup;

        @Override
        public Integer call() throws Exception {
            if (kv.db == null) {
                throw new picocli.CommandLine.ParameterException(spec.commandLine(),
                        "restore replaces a local file: add --db FILE (stop the broker using it first)");
            }
            long entries = SqliteRegistry.verify(backup);
            Path tmp = kv.db.toAbsolutePath().resolveSibling("." + kv.db.getFileName() + ".restoring");
            Files.deleteIfExists(tmp);
            OwnerOnlyFiles.createFile(tmp); // owner-only before a byte of registry data goes in
            try (java.io.InputStream in = Files.newInputStream(backup);
                    java.io.OutputStream copy = Files.newOutputStream(tmp, java.nio.file.StandardOpenOption.TRUNCATE_EXISTING)) {
                in.transferTo(copy);
            }
            for (String suffix : List.of("-wal", "-shm")) {
                Files.deleteIfExists(kv.db.resolveSibling(kv.db.getFileName() + suffix));
            }
            Files.move(tmp, kv.db, java.nio.file.StandardCopyOption.REPLACE_EXISTING, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
            spec.commandLine().getOut().println("restored " + entries + " entries from " + backup + " into " + kv.db);
            return ExitCodes.OK;
        }
    }
}
