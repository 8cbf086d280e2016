package dev.outpost.cli;

import dev.outpost.core.files.OwnerOnlyFiles;
import dev.outpost.nacl.KeyFileException;
import dev.outpost.nacl.KeyFiles;
import dev.outpost.nacl.NaclKeyPair;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** {@code outpost keygen NAME}: a key pair for the sealed codec. */
@Command(name = "keygen", description = "Writes DIR/NAME.key (owner-only) and DIR/NAME.pub for the sealed codec;"
        + " never overwrites a key; prints the key id and the line for a peer's known-senders file.")
final class KeygenCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "NAME", description = "Letters, digits, '.', '_' and '-'.")
    String name;

    @Option(names = "--dir", paramLabel = "DIR", description = "Where to write (default ~/.outpost/keys, created 0700).")
    Path dir;

    @Override
    public Integer call() throws Exception {
        if (!name.matches("[A-Za-z0-9][A-Za-z0-9._-]{0,63}")) {
            throw new ParameterException(spec.commandLine(), "NAME: letters, digits, '.', '_' and '-', starting with a"
                    + " letter or digit, at most 64");
        }
        Path d = dir != null ? dir : Path.of(System.getProperty("user.home"), ".outpost", "keys");
        OwnerOnlyFiles.createDirectories(d);
        Path secret = d.resolve(name + ".key");
        Path pub = d.resolve(name + ".pub");
        // not following links: a dangling link where the .pub goes must stop us before the secret key is written
        if (Files.exists(pub, LinkOption.NOFOLLOW_LINKS) || Files.exists(secret, LinkOption.NOFOLLOW_LINKS)) {
            throw new KeyFileException(Files.exists(pub, LinkOption.NOFOLLOW_LINKS) ? pub : secret,
                    "already exists; refusing to overwrite a key");
        }
        PrintWriter out = spec.commandLine().getOut();
        try (NaclKeyPair pair = NaclKeyPair.generate()) {
            KeyFiles.writeSecretKey(secret, pair);
            KeyFiles.writePublicKey(pub, pair.publicKey());
            out.println("wrote " + secret + " (owner-only: keep it private)");
            out.println("wrote " + pub);
            out.println("key id: " + pair.publicKey().keyIdHex());
            out.println("line for a peer's known-senders file (or: outpost senders add " + pub + " --name " + name + "):");
            out.println(pair.publicKey().base64() + " " + name);
        }
        return ExitCodes.OK;
    }
}
