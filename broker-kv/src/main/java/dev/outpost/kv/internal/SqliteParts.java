package dev.outpost.kv.internal;

import dev.outpost.core.lifecycle.Guard;
import dev.outpost.core.registry.WatchHub;
import java.nio.file.Path;
import java.util.concurrent.ThreadFactory;

/** What a started SQLite registry opened: its watch hub, writer (its loop not started yet) and read connections. */
public record SqliteParts(WatchHub hub, SqliteWriter writer, SqliteReads reads) {
    /** Opens them all, or closes what it opened and throws. */
    public static SqliteParts open(Path file, SqliteOptions o, ThreadFactory watchThreads, Guard calls) {
        WatchHub h = new WatchHub(o.watchBuffer(), watchThreads, calls);
        SqliteWriter w = null;
        try {
            w = new SqliteWriter(file, o.clock(), o.ticker(), o.maxBatch(), o.queueCapacity(), o.expirySweep(),
                    o.tombstoneRetention(), h);
            return new SqliteParts(h, w, new SqliteReads(file, o.clock(), o.readers()));
        } catch (RuntimeException e) {
            if (w != null) {
                w.close();
            }
            h.close(0);
            throw e;
        }
    }

    /** Closes them when the writer's loop never ran. */
    public void close() {
        writer.close();
        hub.close(0);
        reads.close();
    }
}
