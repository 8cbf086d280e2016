package dev.outpost.cli;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The prefetch part of {@code outpost worker}'s health line says what the worker holds beyond its slots. */
class WorkerHealthLineTest {
    @Test
    void anAutomaticPrefetchIsNamedOnlyWhenItCanOpen() {
        assertThat(WorkerCommand.prefetch("auto", 0, 8, 8)).isEqualTo(" (+ automatic prefetch)");
        // 10 a poller beyond the slots: 8 pollers bring no more than 80 slots take, so nothing ever opens
        assertThat(WorkerCommand.prefetch("auto", 0, 80, 8)).isEmpty();
        assertThat(WorkerCommand.prefetch(" AUTO ", 0, 200, 8)).isEmpty();
    }

    @Test
    void aFixedPrefetchIsWhatTheWorkerHolds() {
        assertThat(WorkerCommand.prefetch("12", 12, 8, 2)).isEqualTo(" (+12 prefetched)");
        assertThat(WorkerCommand.prefetch("007", 7, 8, 1)).isEqualTo(" (+7 prefetched)");
        assertThat(WorkerCommand.prefetch("00", 0, 8, 1)).isEmpty();
    }
}
