package dev.outpost.kv;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.outpost.spi.RegistryEntry;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.Optional;

/**
 * The process {@link KillNineTest} kills: writes to a SQLite registry from four threads for ever and
 * prints a line for each write after it returned ({@code W key version} or {@code D key}), and one before each delete ({@code d key}).
 */
public final class KillableWriterMain {
    private KillableWriterMain() {}

    public static void main(String[] args) throws Exception {
        Path db = Path.of(args[0]);
        String round = args[1];
        PrintStream out = new PrintStream(System.out, false, "UTF-8");
        SqliteRegistry kv = SqliteRegistry.open(db);
        Thread[] threads = new Thread[4];
        for (int t = 0; t < threads.length; t++) {
            int id = t;
            threads[t] = new Thread(() -> {
                for (int i = 0; ; i++) {
                    String key = "kill/r" + round + "-t" + id + "-" + i;
                    RegistryEntry e = kv.register(key, JsonNodeFactory.instance.objectNode().put("i", i).put("pad", "x".repeat(200)),
                            Optional.empty());
                    RegistryEntry e2 = kv.update(key, JsonNodeFactory.instance.objectNode().put("u", i));
                    synchronized (out) {
                        out.println("W " + key + " " + e2.version());
                        out.flush();
                    }
                    if (i % 5 == 4) {
                        String old = "kill/r" + round + "-t" + id + "-" + (i - 1);
                        synchronized (out) {
                            out.println("d " + old); // about to delete: either outcome is right if killed now
                            out.flush();
                        }
                        kv.delete(old);
                        synchronized (out) {
                            out.println("D " + old);
                            out.flush();
                        }
                    }
                }
            });
            threads[t].start();
        }
        for (Thread t : threads) {
            t.join();
        }
    }
}
