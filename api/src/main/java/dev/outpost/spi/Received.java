package dev.outpost.spi;

import java.util.Objects;

/**
 * How a body reached the worker, for codecs that must tell a redelivery of the same transport
 * message (normal under at-least-once delivery) from a copy of it injected later (a replay).
 *
 * @param messageId the transport's id of the message, the same on every redelivery
 * @param receiveCount how many times it has been received, from 1
 */
public record Received(String messageId, int receiveCount) {
    /** Validates the components. */
    public Received {
        Objects.requireNonNull(messageId, "messageId");
        if (receiveCount < 1) {
            throw new IllegalArgumentException("receiveCount must be at least 1, was " + receiveCount);
        }
    }
}
