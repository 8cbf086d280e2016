package dev.outpost.host.records;

import static org.assertj.core.api.Assertions.assertThat;

import dev.outpost.Json;
import dev.outpost.ShutdownResult;
import dev.outpost.testkit.LifecycleContract;
import java.nio.file.Path;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ThreadFactory;
import org.junit.jupiter.api.io.TempDir;

class RecordStoreLifecycleTest extends LifecycleContract<RecordStore> {
    @TempDir
    Path dir;

    @Override
    protected RecordStore create(ThreadFactory threads) {
        return RecordStore.builder(dir.resolve(UUID.randomUUID().toString())).threadFactory(threads).build();
    }

    @Override
    protected void start(RecordStore store) throws Exception {
        store.start();
    }

    @Override
    protected CompletableFuture<ShutdownResult> shutdown(RecordStore store) {
        return store.shutdown();
    }

    @Override
    protected boolean provokeUserError(RecordStore running, Error error) {
        return false; // the store runs no user code
    }

    @Override
    protected void assertWorks(RecordStore store) throws Exception {
        String id = UUID.randomUUID().toString();
        StoreResult r = store.store(id, "web-01", Json.parse("{\"ok\":true}"), Optional.empty());
        assertThat(store.read(r.fileName()).requestId()).isEqualTo(id);
    }
}
