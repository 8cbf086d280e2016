package dev.outpost.cli;

import dev.outpost.core.files.OwnerOnlyFiles;
import dev.outpost.kv.DiscoveryKeys;
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

/**
 * {@code outpost keygen NAME}: a key pair for the sealed codec; {@code outpost keygen --discovery
 * --out FILE}: the Ed25519 key a broker signs discovery answers with ({@link DiscoveryKeys}).
 */
@Command(name = "keygen", description = {"Writes DIR/NAME.key (owner-only) and DIR/NAME.pub for the sealed codec;"
        + " never overwrites a key; prints the key id and the line for a peer's known-senders file.",
        "With --discovery --out FILE: writes the broker's discovery signing key to FILE (owner-only, never over a file);"
        + " prints the public key hosts pin and the broker's configuration line."},
        customSynopsis = {"outpost keygen [-hV] [--dir=DIR] NAME", "       outpost keygen [-hV] --discovery --out=FILE"})
final class KeygenCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Parameters(index = "0", arity = "0..1", paramLabel = "NAME", description = "Letters, digits, '.', '_' and '-'.")
    String name;

    @Option(names = "--dir", paramLabel = "DIR", description = "Where to write (default ~/.outpost/keys, created 0700).")
    Path dir;

    @Option(names = "--discovery", description = "Make the broker's discovery signing key (Ed25519) instead, to --out.")
    boolean discovery;

    @Option(names = "--out", paramLabel = "FILE", description = "With --discovery: the private key file to write"
            + " (what outpost.broker.discovery.signing-key-file names).")
    Path outFile;

    @Override
    public Integer call() throws Exception {
        if (discovery || outFile != null) {
            return discoveryKey();
        }
        if (name == null) {
            throw new ParameterException(spec.commandLine(), "Missing required parameter: 'NAME' (or --discovery --out FILE"
                    + " for a broker's discovery key)");
        }
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
            throw new AlreadyThereException(Files.exists(pub, LinkOption.NOFOLLOW_LINKS) ? pub : secret,
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

    private int discoveryKey() {
        if (!discovery) {
            throw new ParameterException(spec.commandLine(), "--out: only with --discovery (a sealed-codec key goes to --dir)");
        }
        if (outFile == null) {
            throw new ParameterException(spec.commandLine(), "--discovery needs --out FILE: the broker's private key file"
                    + " (outpost.broker.discovery.signing-key-file)");
        }
        if (name != null || dir != null) {
            throw new ParameterException(spec.commandLine(), "--discovery takes --out FILE, not " + (name != null ? "NAME" : "--dir"));
        }
        Path file = outFile.toAbsolutePath().normalize();
        // not following links, as for a sealed-codec key: a link where the key goes is refused, not written through
        if (Files.exists(file, LinkOption.NOFOLLOW_LINKS)) {
            throw new AlreadyThereException(file, "already exists; refusing to overwrite a key");
        }
        String publicKey = DiscoveryKeys.generate(file);
        PrintWriter out = spec.commandLine().getOut();
        out.println("wrote " + file + " (owner-only: keep it private)");
        out.println("the broker reads it only as its owner: make it as the broker's account, or chown it (and a directory"
                + " made for it) to that account");
        out.println("the broker's configuration line:");
        out.println("outpost.broker.discovery.signing-key-file: " + file);
        out.println("public key each host pins (DiscoveryKeys.publicKey(\"…\"); not secret):");
        out.println(publicKey);
        return ExitCodes.OK;
    }
}
