package dev.outpost.ops.internal;

import org.slf4j.Logger;
import software.amazon.awssdk.awscore.exception.AwsServiceException;

/**
 * Logs a failure at WARN with its stack trace the first time and in one line while the same failure
 * (the same kind and message at its root) repeats: an outage retried every minute must not fill the
 * log with one trace a minute, five with each attempt.
 */
public final class RepeatedFailures {
    private final Logger log;
    private volatile String last = "";

    public RepeatedFailures(Logger log) {
        this.log = log;
    }

    /** {@code what} is a message of ours, never a format taking arguments from the failure. */
    public void warn(String what, Throwable e) {
        Throwable root = e;
        for (int i = 0; i < 32 && root.getCause() != null && root.getCause() != root; i++) {
            root = root.getCause();
        }
        // a service's message carries the id of each request (S3: "Request ID: …"): one outage, many messages
        String key = root instanceof AwsServiceException a && a.awsErrorDetails() != null
                ? root.getClass().getName() + ": " + a.statusCode() + " " + a.awsErrorDetails().errorCode() + " "
                        + a.awsErrorDetails().errorMessage()
                : root.getClass().getName() + ": " + root.getMessage();
        if (key.equals(last)) {
            log.warn("{}: {} (as before; its stack trace was logged then)", what, Text.oneLine(key));
        } else {
            last = key;
            log.warn("{}", what, e);
        }
    }
}
