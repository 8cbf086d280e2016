package dev.outpost.sqs.internal;

/**
 * A received message whose framing cannot be undone: an unknown body encoding, a body that is not
 * what its encoding says, a broken packed attribute, a malformed SNS envelope or S3 pointer. The
 * message says what is wrong in a few words, without echoing more than a short clip of the input.
 */
public final class WireFormatException extends Exception {
    private static final long serialVersionUID = 1L;

    public WireFormatException(String reason) {
        super(reason, null, false, false); // an expected outcome of reading hostile input: no stack trace to fill
    }
}
