package dev.outpost.host.records;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;

/** Stores records from 4 threads until killed, printing "ACK id name" after each store returned. */
public final class RecordStoreCrashChild {
    private RecordStoreCrashChild() {}

    public static void main(String[] args) throws Exception {
        RecordStore store = RecordStore.builder(Path.of(args[0])).build().start();
        PrintStream out = new PrintStream(new java.io.FileOutputStream(java.io.FileDescriptor.out), true);
        AtomicLong n = new AtomicLong();
        for (int t = 0; t < 4; t++) {
            String source = "host-" + t;
            new Thread(() -> {
                while (true) {
                    String id = source + "-" + n.incrementAndGet();
                    try {
                        StoreResult r = store.store(id, source, JsonNodeFactory.instance.objectNode().put("n", id), Optional.empty());
                        synchronized (out) {
                            out.println("ACK " + id + " " + r.fileName());
                        }
                    } catch (Exception e) {
                        e.printStackTrace();
                        return;
                    }
                }
            }).start();
        }
        Thread.currentThread().join();
    }
}
