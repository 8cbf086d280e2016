package dev.outpost.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.outpost.core.config.OutpostConfig;
import org.junit.jupiter.api.Test;

/** {@code outpost worker}'s health line: the queue it reads, and what the worker holds beyond its slots. */
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

    @Test
    void theRealQueueBehindTheLogicalSourceIsNamed() {
        OutpostConfig mapped = OutpostConfig.builder().set("outpost.sqs.requests", " https://sqs.eu-west-1.amazonaws.com/1/prod-requests ")
                .build();
        assertThat(WorkerCommand.queue(mapped, "requests")).isEqualTo(" (SQS queue 'https://sqs.eu-west-1.amazonaws.com/1/prod-requests')");
        // unmapped, or a logical name outpost.sqs.* has no key for: the transport uses the name as the queue's
        assertThat(WorkerCommand.queue(OutpostConfig.builder().set("outpost.sqs.requests", "").build(), "requests"))
                .isEqualTo(" (SQS queue 'requests')");
        assertThat(WorkerCommand.queue(mapped, "jobs")).isEqualTo(" (SQS queue 'jobs')");
    }
}
