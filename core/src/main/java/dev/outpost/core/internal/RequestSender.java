package dev.outpost.core.internal;

import dev.outpost.Request;
import dev.outpost.spi.Codec;
import dev.outpost.spi.Message;
import dev.outpost.spi.Transport;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;

/** The client's send path: addresses a request to the client's reply destination, encodes and sends it. */
public final class RequestSender {
    private final Transport transport;
    private final Codec codec;
    private final String replyTo;

    public RequestSender(Transport transport, Codec codec, String replyTo) {
        this.transport = transport;
        this.codec = codec;
        this.replyTo = replyTo;
    }

    /** {@code request} answered to the client, with a ttl of {@code timeout} from now when it has none. */
    public Request prepare(Request request, Duration timeout) {
        Request.Builder b = request.toBuilder().replyTo(replyTo);
        if (request.ttl().isEmpty()) {
            // the caller waits from now: a request built earlier (before a connection was set up, say) keeps the full time
            b.sentAt(java.time.Instant.now()).ttl(timeout);
        }
        return b.build();
    }

    /** Sends {@code r}; a failure to encode or send fails the future. */
    public CompletableFuture<Void> transmit(String destination, Request r) {
        try {
            // no plain-text request id attribute: with a sealing codec it would tell readers of the queue what to cancel
            return transport.send(destination, Message.of(codec.encodeRequest(Tracing.withCurrentContext(r))));
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
    }
}
