package dev.outpost.ops;

import static org.assertj.core.api.Assertions.assertThat;

import dev.outpost.Json;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Answers observed for the rules and the journal; a failing observer never loses an answer. */
class ObservingFleetTest {
    @Test
    void okAnswersAreObservedAndAThrowingListenerLosesNothing(@TempDir Path dir) throws Exception {
        FakeFleet fake = new FakeFleet().add("web-1", List.of("web"), Map.of());
        RulesEngineTest.TestClock clock = new RulesEngineTest.TestClock();
        clock.now = Instant.parse("2026-12-03T23:59:00Z");
        ResultJournal journal = new ResultJournal(dir.resolve("journal"), clock);
        List<Observation> seen = new ArrayList<>();
        int[] calls = {0};
        ObservingFleet f = new ObservingFleet(fake, o -> {
            if (calls[0]++ == 0) {
                throw new OutOfMemoryError("thrown by the test");
            }
            seen.add(o);
            journal.append(o.host(), o.collector(), o.result());
        });
        assertThat(f.call("all", "disk.usage", Map.of(), Duration.ofSeconds(1))).singleElement().satisfies(a -> assertThat(a.ok()).isTrue());
        assertThat(f.listenerFailures()).isEqualTo(1);
        assertThat(f.call("tag:web", "disk.usage", Map.of("path", "/"), Duration.ofSeconds(1))).hasSize(1);
        assertThat(seen).singleElement().satisfies(o -> {
            assertThat(o.host()).isEqualTo("web-1");
            assertThat(o.tags()).containsExactly("web");
        });
        clock.now = Instant.parse("2026-12-04T00:00:01Z");
        journal.append("web-1", "x", Json.parse("{\"n\":2}"));
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve("journal")))).isEqualTo("rwx------");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve("journal/2026-12-03.jsonl"))))
                .isEqualTo("rw-------");
        try (var day = journal.records(LocalDate.parse("2026-12-03"))) {
            assertThat(day.toList()).singleElement().satisfies(n -> assertThat(n.path("collector").asText()).isEqualTo("disk.usage"));
        }
        try (var next = journal.records(LocalDate.parse("2026-12-04"))) {
            assertThat(next.toList()).singleElement().satisfies(n -> assertThat(n.path("result").path("n").asInt()).isEqualTo(2));
        }
        try (var none = journal.records(LocalDate.parse("2026-12-01"))) {
            assertThat(none).isEmpty();
        }
    }

    @Test
    void aCallOnManyHostsReadsTheInventoryOnceNotOncePerAnswer() {
        // OutpostFleet reads the whole inventory for server(id): once per answer was hosts x hosts entries per call
        FakeFleet fake = new FakeFleet();
        for (int i = 0; i < 200; i++) {
            fake.add("web-" + i, List.of("web", "n" + i), Map.of());
        }
        java.util.concurrent.atomic.AtomicInteger reads = new java.util.concurrent.atomic.AtomicInteger();
        Fleet counting = new Fleet() {
            @Override
            public List<Server> servers() {
                reads.incrementAndGet();
                return fake.servers();
            }

            @Override
            public java.util.Optional<Server> server(String id) {
                reads.incrementAndGet();
                return fake.server(id);
            }

            @Override
            public List<HostAnswer> call(String selector, String collector, Map<String, String> params, Duration timeout) {
                return fake.call(selector, collector, params, timeout);
            }
        };
        List<Observation> seen = new ArrayList<>();
        ObservingFleet f = new ObservingFleet(counting, seen::add);
        assertThat(f.call("all", "disk.usage", Map.of(), Duration.ofSeconds(1))).hasSize(200);
        assertThat(seen).hasSize(200).allSatisfy(o -> assertThat(o.tags()).contains("web", "n" + o.host().substring(4)));
        assertThat(reads).hasValueLessThanOrEqualTo(1);
    }

    @Test
    void aTornLineInTheJournalCostsThatLineNotTheDaysExport(@TempDir Path dir) throws Exception {
        RulesEngineTest.TestClock clock = new RulesEngineTest.TestClock();
        clock.now = Instant.parse("2026-12-03T10:00:00Z");
        ResultJournal journal = new ResultJournal(dir.resolve("journal"), clock);
        journal.append("web-1", "x", Json.parse("{\"n\":1}"));
        // what a kill during an append leaves: half a line, then the next run's appends after it
        Files.writeString(dir.resolve("journal/2026-12-03.jsonl"), "{\"host\":\"web-2\",\"result\":{\"n\":",
                java.nio.file.StandardOpenOption.APPEND);
        journal.append("web-3", "x", Json.parse("{\"n\":3}"));
        try (var day = journal.records(LocalDate.parse("2026-12-03"))) {
            assertThat(day.toList()).extracting(n -> n.path("result").path("n").asInt()).containsExactly(1, 3);
        }
    }

    @Test
    void theJournalKeepsItsRetentionAndNothingElseIsTouched(@TempDir Path dir) throws Exception {
        RulesEngineTest.TestClock clock = new RulesEngineTest.TestClock();
        clock.now = Instant.parse("2026-12-01T10:00:00Z");
        ResultJournal journal = new ResultJournal(dir.resolve("journal"), clock, 3);
        journal.append("web-1", "x", Json.parse("{\"n\":1}"));
        Files.writeString(dir.resolve("journal/notes.txt"), "mine");
        Files.writeString(dir.resolve("journal/2026-11-01.jsonl.bak"), "mine too");
        for (int day = 2; day <= 5; day++) {
            clock.now = Instant.parse("2026-12-0" + day + "T10:00:00Z");
            journal.append("web-1", "x", Json.parse("{\"n\":" + day + "}"));
        }
        try (var files = Files.list(dir.resolve("journal"))) {
            assertThat(files.map(f -> f.getFileName().toString())).containsExactlyInAnyOrder("2026-12-03.jsonl", "2026-12-04.jsonl",
                    "2026-12-05.jsonl", "notes.txt", "2026-11-01.jsonl.bak");
        }
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> new ResultJournal(dir, clock, 1))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("at least 2");
    }
}
