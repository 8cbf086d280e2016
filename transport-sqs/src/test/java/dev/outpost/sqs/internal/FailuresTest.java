package dev.outpost.sqs.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.ConnectException;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.sqs.model.QueueDoesNotExistException;

class FailuresTest {
    private static final String URL = "http://127.0.0.1:9324/000000000000/records";

    @Test
    void aQueueIsNamedOnceWhenItIsWhatTheCallerNamed() {
        // the host agent's outbox logged "calling SQS queue 'URL' (for 'URL') failed: ..."
        assertThat(Failures.calling(URL, new ConnectException("Connection refused")).getMessage())
                .isEqualTo("calling SQS queue '" + URL + "' failed: Connection refused");
        assertThat(Failures.fail("fleet", "SQS queue 'fleet'", "looking up", QueueDoesNotExistException.builder().message("gone").build())
                .getMessage()).startsWith("SQS queue 'fleet' does not exist (looking up)");
    }

    @Test
    void aLogicalNameMappedToAnotherQueueIsStillNamed() {
        assertThat(Failures.fail("requests", "SQS queue 'outpost-requests'", "receiving from", new ConnectException("refused"))
                .getMessage()).isEqualTo("receiving from SQS queue 'outpost-requests' (for 'requests') failed: refused");
    }
}
