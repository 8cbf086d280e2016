package dev.outpost.nacl;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A key file whose write fails part way (here: the process may write no more bytes to files, as on a full disk)
 * leaves no file behind: not a truncated key that the next {@code outpost keygen} refuses to replace and a reader
 * calls malformed. A child JVM makes its key pair (loading libsodium, which writes a file), then has its file size
 * limit set to 0 with {@code prlimit} before it writes.
 */
class KeyFileWriteFailureTest {
    @TempDir
    Path dir;

    @Test
    void aKeyWriteThatFailsLeavesNoFileBehind() throws Exception {
        assumeTrue(Files.isExecutable(Path.of("/usr/bin/prlimit")), "needs util-linux prlimit");
        Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-XX:-UsePerfData",
                "-cp", System.getProperty("java.class.path"), "-Xmx64m", WriterMain.class.getName(), dir.toString())
                .redirectError(ProcessBuilder.Redirect.DISCARD).start();
        try (BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
                PrintStream in = new PrintStream(p.getOutputStream(), true, StandardCharsets.UTF_8)) {
            assertThat(out.readLine()).isEqualTo("ready");
            int rc = new ProcessBuilder("/usr/bin/prlimit", "--pid", Long.toString(p.pid()), "--fsize=0").start().waitFor();
            assertThat(rc).as("prlimit").isZero();
            in.println("write");
            assertThat(out.readLine()).as("the secret key write").startsWith("refused: ");
            assertThat(out.readLine()).as("the public key write").startsWith("refused: ");
        } finally {
            assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
        }
        try (Stream<Path> left = Files.list(dir)) {
            assertThat(left).as("files left in the key folder").isEmpty();
        }
        // and so the next keygen goes through
        try (NaclKeyPair k = NaclKeyPair.generate()) {
            KeyFiles.writeSecretKey(dir.resolve("worker.key"), k);
            KeyFiles.writePublicKey(dir.resolve("worker.pub"), k.publicKey());
            assertThat(KeyFiles.readSecretKey(dir.resolve("worker.key")).publicKey()).isEqualTo(k.publicKey());
            assertThat(KeyFiles.readPublicKey(dir.resolve("worker.pub"))).isEqualTo(k.publicKey());
        }
    }

    /** Makes a key pair, says {@code ready}, waits for a line, then writes the key files and says how each went. */
    public static final class WriterMain {
        public static void main(String[] args) throws Exception {
            Path dir = Path.of(args[0]);
            try (NaclKeyPair k = NaclKeyPair.generate()) {
                System.out.println("ready");
                new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8)).readLine();
                say(() -> KeyFiles.writeSecretKey(dir.resolve("worker.key"), k));
                say(() -> KeyFiles.writePublicKey(dir.resolve("worker.pub"), k.publicKey()));
            }
        }

        private static void say(Runnable write) {
            try {
                write.run();
                System.out.println("written");
            } catch (KeyFileException e) {
                System.out.println("refused: " + e.getMessage().replace('\n', ' '));
            }
        }
    }
}
