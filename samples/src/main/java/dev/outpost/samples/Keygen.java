package dev.outpost.samples;

import dev.outpost.core.files.OwnerOnlyFiles;
import dev.outpost.nacl.KeyFileException;
import dev.outpost.nacl.KeyFiles;
import dev.outpost.nacl.KnownSender;
import dev.outpost.nacl.KnownSenders;
import dev.outpost.nacl.NaclKeyPair;
import dev.outpost.nacl.NaclPublicKey;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.regex.Pattern;

/**
 * Makes and inspects keys for the sealed codec.
 *
 * <pre>
 * Keygen [--dir DIR] NAME   (or NAME --dir DIR, as outpost keygen takes it) writes DIR/NAME.key (owner-only) and DIR/NAME.pub; DIR defaults to ~/.outpost/keys
 *                           (created owner-only); never overwrites a key; prints the key id and the known-senders line
 * Keygen --show FILE...     prints the key id of a .key or .pub file, or of every sender in a known-senders file
 * </pre>
 *
 * <p>The key id (16 hex digits, the first 8 bytes of SHA-256 of the public key) is what
 * {@code unknown-sender} rejections, logs and the sealed wire format name a key by.
 */
public final class Keygen {
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,63}");
    private static final String USAGE = "usage: Keygen [--dir DIR] NAME   (writes DIR/NAME.key and DIR/NAME.pub;"
            + " DIR defaults to ~/.outpost/keys)\n       Keygen --show FILE...     (key ids of key files or a known-senders file)";

    private Keygen() {}

    public static void main(String[] args) {
        System.exit(run(args, Path.of(System.getProperty("user.home")), System.out, System.err));
    }

    /** Runs the tool; returns the exit code (0 done, 1 refused, 2 usage). */
    static int run(String[] args, Path home, PrintStream out, PrintStream err) {
        try {
            if (args.length >= 2 && args[0].equals("--show")) {
                for (int i = 1; i < args.length; i++) {
                    show(Path.of(args[i]), out);
                }
                return 0;
            }
            Path dir = home.resolve(".outpost").resolve("keys");
            int at = 0;
            if (args.length == 3 && args[0].equals("--dir")) {
                dir = Path.of(args[1]);
                at = 2;
            } else if (args.length == 3 && args[1].equals("--dir")) { // outpost keygen's order: NAME --dir DIR
                dir = Path.of(args[2]);
                args = new String[] {args[0]};
            }
            if (args.length != at + 1 || !NAME.matcher(args[at]).matches()) {
                err.println(USAGE);
                err.println("NAME: letters, digits, '.', '_' and '-', starting with a letter or digit");
                return 2;
            }
            return generate(dir, args[at], out);
        } catch (KeyFileException e) {
            err.println("keygen: " + e.getMessage());
            return 1;
        } catch (IOException e) {
            err.println("keygen: " + e);
            return 1;
        }
    }

    private static int generate(Path dir, String name, PrintStream out) throws IOException {
        OwnerOnlyFiles.createDirectories(dir);
        Path secret = dir.resolve(name + ".key");
        Path pub = dir.resolve(name + ".pub");
        if (Files.exists(pub)) {
            throw new KeyFileException(pub, "already exists; refusing to overwrite a key (choose another NAME or --dir)");
        }
        try (NaclKeyPair pair = NaclKeyPair.generate()) {
            KeyFiles.writeSecretKey(secret, pair);
            KeyFiles.writePublicKey(pub, pair.publicKey());
            out.println("wrote " + secret + " (owner-only: keep it private)");
            out.println("wrote " + pub);
            out.println("key id: " + pair.publicKey().keyIdHex());
            out.println("line for a peer's known-senders file:");
            out.println(pair.publicKey().base64() + " " + name);
        }
        return 0;
    }

    private static void show(Path file, PrintStream out) {
        String name = file.getFileName().toString();
        if (name.endsWith(".key")) {
            try (NaclKeyPair pair = KeyFiles.readSecretKey(file)) {
                line(out, pair.publicKey(), file.toString());
            }
        } else if (name.endsWith(".pub")) {
            line(out, KeyFiles.readPublicKey(file), file.toString());
        } else {
            List<KnownSender> senders = KnownSenders.load(file).all().stream()
                    .sorted(Comparator.comparing(KnownSender::name)).toList();
            out.println("# " + file + ": " + senders.size() + " known senders");
            for (KnownSender s : senders) {
                line(out, s.key(), s.name() + s.collectors().map(c -> " " + String.join(",", c.stream().sorted().toList()))
                        .orElse(""));
            }
        }
    }

    private static void line(PrintStream out, NaclPublicKey key, String what) {
        out.println(key.keyIdHex() + "  " + key.base64() + "  " + what);
    }
}
