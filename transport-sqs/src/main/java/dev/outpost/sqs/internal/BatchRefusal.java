package dev.outpost.sqs.internal;

import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.core.exception.SdkServiceException;

/**
 * What a batch call's failure says about the batch as a whole, as opposed to its entries: too large or too many
 * entries (the same entries pass in smaller batches), or throttled (they pass later). Anything else (no such queue,
 * access denied, a bad entry) would fail the entries again however they were sent.
 */
enum BatchRefusal {
    /** The batch is over a limit of the server's: its entries go again in smaller batches, or alone. */
    TOO_LARGE,
    /** The server asks for fewer calls: the batch goes again after a pause. */
    THROTTLED,
    /** Not about the batch: its entries fail. */
    NONE;

    static BatchRefusal of(Throwable e) {
        Throwable t = e;
        while ((t instanceof CompletionException || t instanceof ExecutionException) && t.getCause() != null) {
            t = t.getCause();
        }
        if (t instanceof software.amazon.awssdk.services.sqs.model.BatchRequestTooLongException
                || t instanceof software.amazon.awssdk.services.sqs.model.TooManyEntriesInBatchRequestException
                || t instanceof software.amazon.awssdk.services.sns.model.BatchRequestTooLongException
                || t instanceof software.amazon.awssdk.services.sns.model.TooManyEntriesInBatchRequestException) {
            return TOO_LARGE;
        }
        if (t instanceof AwsServiceException a && a.awsErrorDetails() != null && a.awsErrorDetails().errorCode() != null) {
            // SQS's query-compatible codes carry a prefix ("AWS.SimpleQueueService.BatchRequestTooLong")
            String code = a.awsErrorDetails().errorCode();
            if (code.endsWith("BatchRequestTooLong") || code.endsWith("TooManyEntriesInBatchRequest")) {
                return TOO_LARGE;
            }
        }
        if (t instanceof SdkServiceException s && (s.isThrottlingException() || s.statusCode() == 429)) {
            return THROTTLED;
        }
        return NONE;
    }
}
