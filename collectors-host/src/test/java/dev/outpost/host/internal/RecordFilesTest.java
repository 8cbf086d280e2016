package dev.outpost.host.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.outpost.host.MutableClock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RecordFilesTest {
    @TempDir
    Path dir;

    @Test
    void aClientNamingEverNewSourcesDoesNotGrowTheNameMemoryAndNamesStayUniqueWhenTheClockStepsBack() throws Exception {
        MutableClock clock = new MutableClock(Instant.parse("2026-03-01T12:00:00Z"));
        RecordFiles files = new RecordFiles(dir, clock, Duration.ofDays(7));
        files.open();
        files.rescan(); // as a store's start does: what is on disk is known
        String first = files.allocate("web-01");
        Files.writeString(dir.resolve(first), "{}"); // its record is written
        Set<String> names = new HashSet<>(Set.of(first));
        for (int i = 0; i < 3 * RecordFiles.MAX_SOURCES_REMEMBERED; i++) {
            clock.advance(Duration.ofNanos(1_000));
            assertThat(names.add(files.allocate("s-" + i))).isTrue();
        }
        // before: one entry per source ever named, for good
        assertThat(files.sourcesRemembered()).isLessThanOrEqualTo(RecordFiles.MAX_SOURCES_REMEMBERED + 1);
        // the clock steps back to web-01's name, forgotten by now: the name must not be handed out twice
        clock.advance(Duration.ofNanos(-1_000L * 3 * RecordFiles.MAX_SOURCES_REMEMBERED));
        String again = files.allocate("web-01");
        assertThat(again).isNotEqualTo(first);
        assertThat(Files.exists(dir.resolve(again))).isFalse();
    }
}
