package dev.outpost.samples;

import dev.outpost.nacl.KeyFiles;
import dev.outpost.nacl.NaclKeyPair;
import java.nio.file.Path;

/**
 * Writes a new key pair: {@code Keygen NAME} creates {@code NAME.key} (owner-only) and
 * {@code NAME.pub}, and prints the line to add to a peer's known-senders file.
 */
public final class Keygen {
    private Keygen() {}

    public static void main(String[] args) {
        if (args.length != 1) {
            System.err.println("usage: Keygen NAME   (writes NAME.key and NAME.pub)");
            System.exit(2);
        }
        try (NaclKeyPair pair = NaclKeyPair.generate()) {
            KeyFiles.writeSecretKey(Path.of(args[0] + ".key"), pair);
            KeyFiles.writePublicKey(Path.of(args[0] + ".pub"), pair.publicKey());
            System.out.println("wrote " + args[0] + ".key (keep it private) and " + args[0] + ".pub");
            System.out.println("known-senders line: " + pair.publicKey().base64() + " " + Path.of(args[0]).getFileName());
        }
    }
}
