package dev.outpost.host.records;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
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
}
