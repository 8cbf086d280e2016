package dev.outpost.sqs.internal;

import dev.outpost.spi.NoSuchDestinationException;
import dev.outpost.spi.TransportException;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.services.sqs.model.QueueDoesNotExistException;

/** Turns what the SDK throws into the {@link TransportException}s callers get. */
public final class Failures {
    /** What the error about missing credentials tells the reader to set. */
    public static final String CREDENTIAL_KEYS = "set outpost.sqs.access-key-id and outpost.sqs.secret-access-key, "
            + "or outpost.sqs.profile, or pass an SqsAsyncClient with its own credentials provider "
            + "(the SDK's default chain also reads AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY and AWS_PROFILE)";

    private Failures() {}

    /**
     * @param destination the logical name (or URL) the caller used
     * @param queue a description of the real queue or topic, such as "SQS queue 'outpost-requests'"
     */
    public static TransportException fail(String destination, String queue, String what, Throwable e) {
        while ((e instanceof CompletionException || e instanceof ExecutionException) && e.getCause() != null) {
            e = e.getCause();
        }
        if (e instanceof TransportException t) {
            return t;
        }
        String named = named(destination, queue);
        if (e instanceof QueueDoesNotExistException) {
            return new NoSuchDestinationException(destination, named + " does not exist ("
                    + what + "): create it, for example with SqsProvisioner");
        }
        if (isMissingCredentials(e)) {
            return new TransportException(destination, what + " " + named
                    + " failed: no AWS credentials could be loaded: " + CREDENTIAL_KEYS, e);
        }
        return new TransportException(destination, what + " " + named + " failed: " + printable(e.getMessage(), MAX_REMOTE), e);
    }

    /** The most characters of a server's text (an error message) quoted in a log line or an exception's message. */
    static final int MAX_REMOTE = 300;
    /** The most characters of a destination quoted in an exception's message: a replyTo is the sender's text. */
    static final int MAX_NAME = 200;

    /**
     * Text a server or a message's sender chose (an error message, an id), for a log line or an exception's message:
     * at most {@code max} characters, its control and line-separator characters shown as {@code ?}, so that it can
     * neither forge log lines nor flood the log.
     */
    public static String printable(Object remote, int max) {
        String s = String.valueOf(remote);
        String t = s.length() > max ? s.substring(0, max) + "..." : s;
        StringBuilder b = new StringBuilder(t.length());
        for (int i = 0; i < t.length(); i++) {
            char c = t.charAt(i);
            b.append(Character.isISOControl(c) || c == '\u2028' || c == '\u2029' ? '?' : c);
        }
        return b.toString();
    }

    /** The queue, and the logical name it stands for unless that is what the description quotes already (a URL called as such). */
    private static String named(String destination, String queue) {
        String shown = printable(destination, MAX_NAME);
        return queue.endsWith("'" + shown + "'") ? queue : queue + " (for '" + shown + "')";
    }

    /** A failed call to the queue {@code urlOrName}, as the batches report it. */
    public static TransportException calling(String urlOrName, Throwable e) {
        return fail(urlOrName, "SQS queue '" + printable(urlOrName, MAX_NAME) + "'", "calling", e);
    }

    static boolean isMissingCredentials(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            String m = t.getMessage();
            if (t instanceof SdkClientException && m != null
                    && (m.contains("Unable to load credentials") || m.contains("credentials") && m.contains("profile"))) {
                return true;
            }
            if (t.getCause() == t) {
                break;
            }
        }
        return false;
    }
}
