package dev.outpost.cli;

import dev.outpost.core.files.OwnerOnlyFiles;
import dev.outpost.nacl.KeyFileException;
import dev.outpost.nacl.KeyFiles;
import dev.outpost.nacl.KnownSender;
import dev.outpost.nacl.KnownSenders;
import dev.outpost.nacl.NaclPublicKey;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code outpost senders add | revoke | list}: edits a known-senders file line by line. Every other
 * line (comments included) is kept as it was, and the file is replaced atomically, owner-only: an
 * add never truncates the list, and a revoke removes exactly the named key.
 */
@Command(name = "senders", description = "Adds, revokes and lists the senders a worker obeys (its known-senders file).",
        subcommands = {SendersCommand.Add.class, SendersCommand.Revoke.class, SendersCommand.ListSenders.class})
final class SendersCommand {
    static final class FileOption {
        @Option(names = "--file", paramLabel = "FILE", required = true, description = "The known-senders file.")
        Path file;
    }

    /** The file, read; one that is not there is said so plainly (the reader's text names its exception class). */
    static KnownSenders existing(Path file) {
        if (Files.notExists(file)) {
            throw new KeyFileException(file, "no such file", new java.nio.file.NoSuchFileException(file.toString()));
        }
        return KnownSenders.load(file);
    }

    static List<String> lines(Path file) {
        try {
            return Files.exists(file) ? new ArrayList<>(Files.readAllLines(file)) : new ArrayList<>();
        } catch (java.io.IOException e) {
            // some messages ("Is a directory") do not name the file
            throw new KeyFileException(file, "cannot read: " + Outpost.message(e), e);
        }
    }

    static NaclPublicKey key(CommandSpec spec, String keyOrFile) {
        Path p = Path.of(keyOrFile);
        if (keyOrFile.endsWith(".pub") && Files.isRegularFile(p)) {
            return KeyFiles.readPublicKey(p);
        }
        try {
            return NaclPublicKey.parse(keyOrFile);
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), "KEY: a base64 public key or a .pub file, was '"
                    + (keyOrFile.length() > 60 ? keyOrFile.substring(0, 60) + "…" : keyOrFile) + "'");
        }
    }

    /** The key on a line of the file, if the line names one. */
    static java.util.Optional<NaclPublicKey> keyOf(String line) {
        String t = line.trim();
        if (t.isEmpty() || t.startsWith("#")) {
            return java.util.Optional.empty();
        }
        try {
            return java.util.Optional.of(NaclPublicKey.parse(t.split("\\s+")[0]));
        } catch (IllegalArgumentException e) {
            return java.util.Optional.empty();
        }
    }

    @Command(name = "add", description = "Adds a sender (refuses a key or name already listed).")
    static final class Add implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @picocli.CommandLine.Mixin
        FileOption target;

        @Parameters(index = "0", paramLabel = "KEY", description = "The sender's base64 public key or .pub file.")
        String key;

        @Option(names = "--name", required = true, paramLabel = "NAME", description = "How logs and stamps name the sender.")
        String name;

        @Option(names = "--collectors", paramLabel = "LIST", description = "Comma-separated collectors it may run (default all).")
        String collectors;

        @Override
        public Integer call() throws Exception {
            if (!name.matches("[A-Za-z0-9][A-Za-z0-9._-]{0,63}")) {
                throw new ParameterException(spec.commandLine(), "--name: letters, digits, '.', '_' and '-', at most 64");
            }
            // a '*' is '*' alone or a name's end: the file refuses one elsewhere, so it must never be written there
            String entry = "(\\*|[a-z0-9_][a-z0-9._-]*\\*?)";
            if (collectors != null && !collectors.matches(entry + "(," + entry + ")*")) {
                throw new ParameterException(spec.commandLine(),
                        "--collectors: collector names, or prefixes ending in * (disk.*), separated by commas");
            }
            NaclPublicKey k = key(spec, key);
            List<String> lines = lines(target.file);
            if (Files.exists(target.file)) {
                KnownSenders current = existing(target.file);
                if (current.find(k).isPresent()) {
                    throw new AlreadyThereException(target.file, "already lists key " + k.keyIdHex() + " (revoke it first to change it)");
                }
                if (current.all().stream().anyMatch(s -> s.name().equals(name))) {
                    throw new AlreadyThereException(target.file, "already has a sender named '" + name + "'");
                }
            }
            lines.add(k.base64() + " " + name + (collectors == null ? "" : " " + collectors));
            OwnerOnlyFiles.createDirectories(target.file.toAbsolutePath().getParent());
            OwnerOnlyFiles.replace(target.file, (String.join("\n", lines) + "\n").getBytes(StandardCharsets.UTF_8));
            KnownSenders.load(target.file); // what we wrote must read back
            spec.commandLine().getOut().println("added " + name + " (key id " + k.keyIdHex() + ") to " + target.file);
            return ExitCodes.OK;
        }
    }

    @Command(name = "revoke", description = "Removes the sender with this key, key id or name.")
    static final class Revoke implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @picocli.CommandLine.Mixin
        FileOption target;

        @Parameters(index = "0", paramLabel = "WHO", description = "A base64 public key, a .pub file, a key id or a name.")
        String who;

        @Override
        public Integer call() throws Exception {
            KnownSenders current = existing(target.file);
            List<KnownSender> matches = current.all().stream().filter(s -> s.name().equals(who)
                    || s.key().keyIdHex().equalsIgnoreCase(who) || s.key().base64().equals(who)
                    || (who.endsWith(".pub") && Files.isRegularFile(Path.of(who)) && s.key().equals(KeyFiles.readPublicKey(Path.of(who)))))
                    .toList();
            if (matches.isEmpty()) {
                spec.commandLine().getErr().println("outpost: no sender '" + who + "' in " + target.file);
                return ExitCodes.SOME_FAILED;
            }
            if (matches.size() > 1) {
                throw new ParameterException(spec.commandLine(), "'" + who + "' names " + matches.size() + " senders; use a key");
            }
            NaclPublicKey gone = matches.get(0).key();
            List<String> kept = lines(target.file).stream().filter(l -> keyOf(l).map(k -> !k.equals(gone)).orElse(true)).toList();
            String text = kept.isEmpty() ? "" : String.join("\n", kept) + "\n";
            OwnerOnlyFiles.replace(target.file, text.getBytes(StandardCharsets.UTF_8));
            spec.commandLine().getOut().println("revoked " + matches.get(0).name() + " (key id " + gone.keyIdHex() + ")");
            return ExitCodes.OK;
        }
    }

    @Command(name = "list", description = "Lists the senders: key id, name, collectors.")
    static final class ListSenders implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @picocli.CommandLine.Mixin
        FileOption target;

        @Override
        public Integer call() {
            PrintWriter out = spec.commandLine().getOut();
            existing(target.file).all().stream().sorted(Comparator.comparing(KnownSender::name)).forEach(s ->
                    out.println(s.key().keyIdHex() + "  " + s.name() + "  "
                            + s.collectors().map(c -> String.join(",", c.stream().sorted().toList())).orElse("*")
                            + "  " + s.key().base64()));
            return ExitCodes.OK;
        }
    }
}
