package dev.outpost.core.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.outpost.RejectReason;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class RefusalsTest {
    private final AtomicLong now = new AtomicLong(1_000);
    private final Refusals refusals = new Refusals("w1", now::get);

    @Test
    void oneLinePerReasonPerIntervalThenTheCountOfThoseNotLogged() {
        assertThat(refusals.record(RejectReason.UNAUTHORISED, "sender 'x' may not run 'y'"))
                .hasValueSatisfying(l -> assertThat(l).contains("unauthorised", "sender 'x' may not run 'y'"));
        for (int i = 0; i < 999; i++) {
            assertThat(refusals.record(RejectReason.UNAUTHORISED, "again")).isEmpty();
        }
        // another reason has its own allowance
        assertThat(refusals.record(RejectReason.REPLY_TO_REFUSED, "replyTo 'evil'")).isPresent();
        now.addAndGet(Refusals.INTERVAL_NANOS);
        assertThat(refusals.record(RejectReason.UNAUTHORISED, "later"))
                .hasValueSatisfying(l -> assertThat(l).contains("999 more refused"));
        assertThat(refusals.snapshot()).containsEntry("unauthorised", 1001L).containsEntry("reply-to-refused", 1L);
    }

    @Test
    void aQuietRefusalIsCountedButNeitherWarnedNorChargedToTheWarningAllowance() {
        RejectReason notSelected = RejectReason.of("not-selected", false);
        for (int i = 0; i < 500; i++) {
            refusals.recordQuietly(notSelected, "a broadcast for tag:db");
        }
        assertThat(refusals.snapshot()).containsEntry("not-selected", 500L);
        // the first loud refusal for the same reason is still logged, without a count of quiet ones
        assertThat(refusals.record(notSelected, "loud")).hasValueSatisfying(l -> assertThat(l).doesNotContain("more refused"));
    }

    @Test
    void aDetailLoggedAtDebugIsClippedAndItsControlCharactersBlankedAsAtWarn() {
        ch.qos.logback.classic.Logger workerLog = (ch.qos.logback.classic.Logger) org.slf4j.LoggerFactory.getLogger("dev.outpost.Worker");
        ch.qos.logback.classic.Level was = workerLog.getLevel();
        ch.qos.logback.core.read.ListAppender<ch.qos.logback.classic.spi.ILoggingEvent> logged = new ch.qos.logback.core.read.ListAppender<>();
        logged.start();
        workerLog.addAppender(logged);
        workerLog.setLevel(ch.qos.logback.classic.Level.DEBUG);
        // a sender's text in a detail: an id with a forged log line, an attribute name of a megabyte
        String hostile = "request a\n12:00:00.000 INFO  forged line\u001b[2J " + "k".repeat(1 << 20);
        try {
            refusals.record(RejectReason.EXPIRED, hostile); // logged at WARN
            refusals.record(RejectReason.EXPIRED, hostile); // within the interval: DEBUG
            refusals.recordQuietly(RejectReason.of("not-selected", false), hostile);
        } finally {
            workerLog.detachAppender(logged);
            workerLog.setLevel(was);
        }
        assertThat(logged.list).hasSize(3).allSatisfy(e -> {
            String line = e.getFormattedMessage();
            assertThat(line).hasSizeLessThan(2000).contains("forged line");
            assertThat(line.chars().noneMatch(Character::isISOControl)).as("control characters in %s", line.substring(0, 80)).isTrue();
        });
    }
}
