package dev.outpost.ops.internal;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import java.util.List;
import java.util.concurrent.CompletionException;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.awscore.exception.AwsErrorDetails;
import software.amazon.awssdk.services.s3.model.S3Exception;

class RepeatedFailuresTest {
    private static S3Exception slowDown(String requestId) {
        return (S3Exception) S3Exception.builder().statusCode(503).requestId(requestId).extendedRequestId(requestId + "x")
                .awsErrorDetails(AwsErrorDetails.builder().errorCode("SlowDown").errorMessage("Please reduce your request rate.")
                        .serviceName("S3").build()).build();
    }

    /** What {@code failing} logs through a {@link RepeatedFailures}. */
    private static List<ILoggingEvent> warnings(Consumer<RepeatedFailures> failing) {
        Logger log = (Logger) LoggerFactory.getLogger("RepeatedFailuresTest");
        ListAppender<ILoggingEvent> logged = new ListAppender<>();
        logged.start();
        log.addAppender(logged);
        try {
            failing.accept(new RepeatedFailures(log));
        } finally {
            log.detachAppender(logged);
        }
        return logged.list;
    }

    @Test
    void theSameServiceErrorWithAnotherRequestIdIsTheSameFailure() {
        List<ILoggingEvent> logged = warnings(failures -> {
            for (int i = 0; i < 3; i++) { // each answer of S3 has a request id of its own, in its message
                failures.warn("export of 2026-12-03 failed", new CompletionException(slowDown("REQ" + i)));
            }
        });
        // before: the request id made every attempt of one outage a new failure, each with its stack trace
        assertThat(logged).filteredOn(w -> w.getThrowableProxy() != null).hasSize(1);
        assertThat(logged.get(2).getFormattedMessage()).contains("SlowDown", "as before").doesNotContain("REQ2");
    }

    @Test
    void anotherErrorOfTheServiceIsAnotherFailure() {
        List<ILoggingEvent> logged = warnings(failures -> {
            failures.warn("export failed", slowDown("A"));
            failures.warn("export failed", S3Exception.builder().statusCode(403).requestId("B")
                    .awsErrorDetails(AwsErrorDetails.builder().errorCode("AccessDenied").errorMessage("Access Denied").build()).build());
        });
        assertThat(logged).filteredOn(w -> w.getThrowableProxy() != null).hasSize(2);
    }
}
