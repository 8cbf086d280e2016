package dev.outpost.host.records;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.JsonSerializable;
import com.fasterxml.jackson.databind.SerializerProvider;
import com.fasterxml.jackson.databind.jsontype.TypeSerializer;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.POJONode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The store's start() and store() against its own lifecycle. */
class RecordStoreHardeningTest {
    @TempDir
    Path tmp;

    @Test
    void aStartThatFindsNoThreadLeavesTheDirectoryFree() throws Exception {
        Path dir = tmp.resolve("records");
        RecordStore broken = RecordStore.builder(dir).threadFactory(r -> {
            throw new IllegalStateException("no threads (test)");
        }).build();
        // start() throws: try-with-resources never closes it, so start() itself must not keep the directory's lock
        assertThatThrownBy(broken::start).hasMessageContaining("no threads (test)");
        try (RecordStore again = RecordStore.builder(dir).build().start()) {
            again.store("r-1", "host-a", JsonNodeFactory.instance.objectNode().put("n", 1), Optional.empty());
            assertThat(again.count()).isEqualTo(1);
        }
        assertThat(broken.shutdown()).succeedsWithin(Duration.ofSeconds(10));
    }

    @Test
    void aStoreThatRacedShutdownWritesNothingOnceTheStoreIsShutDown() throws Exception {
        Path dir = tmp.resolve("records");
        RecordStore store = RecordStore.builder(dir).build().start();
        // the data is serialized after store() checked that the store runs: the whole shutdown runs right there
        JsonSerializable shutsDownWhileSerialized = new JsonSerializable.Base() {
            @Override
            public void serialize(JsonGenerator gen, SerializerProvider serializers) throws IOException {
                assertThat(store.shutdown()).succeedsWithin(Duration.ofSeconds(30));
                gen.writeNumber(1);
            }

            @Override
            public void serializeWithType(JsonGenerator gen, SerializerProvider serializers, TypeSerializer typeSer)
                    throws IOException {
                serialize(gen, serializers);
            }
        };
        Path journal = dir.resolve(".outpost").resolve("journal");
        assertThatThrownBy(() -> store.store("r-1", "host-a", new POJONode(shutsDownWhileSerialized), Optional.empty()))
                .as("a store shut down (journal dropped, directory released) takes no record").isNotNull();
        try (Stream<Path> left = Files.list(journal)) {
            assertThat(left.filter(p -> p.getFileName().toString().endsWith(".journal")).toList())
                    .as("no journal segment written after the shutdown").isEmpty();
        }
    }

    @Test
    void aShutdownWhileStartIsUnderWayLeavesTheDirectoryFree() throws Exception {
        Path dir = tmp.resolve("records");
        Path parent = tmp.toAbsolutePath().normalize();
        AtomicReference<RecordStore> store = new AtomicReference<>();
        // start() creates the directory, then fsyncs its parent: the whole shutdown runs right there, before the lock is taken
        dev.outpost.host.internal.DurableFiles.observeDirectorySyncs(p -> {
            if (p.equals(parent) && store.get() != null) {
                assertThat(store.getAndSet(null).shutdown()).succeedsWithin(Duration.ofSeconds(30));
            }
        });
        RecordStore first = RecordStore.builder(dir).build();
        store.set(first);
        try {
            assertThatThrownBy(first::start).isInstanceOf(IllegalStateException.class).hasMessageContaining("shut down");
        } finally {
            dev.outpost.host.internal.DurableFiles.observeDirectorySyncs(p -> { });
        }
        try (RecordStore again = RecordStore.builder(dir).build().start()) {
            again.store("r-1", "host-a", JsonNodeFactory.instance.objectNode().put("n", 1), Optional.empty());
            assertThat(again.count()).isEqualTo(1);
        }
    }
}
