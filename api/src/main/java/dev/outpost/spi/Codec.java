package dev.outpost.spi;

import dev.outpost.Request;
import dev.outpost.Response;
import java.util.Optional;

/**
 * Turns request and response documents into message bodies and back.
 *
 * <p>Codecs compose: the JSON codec ({@code outpost-core}'s {@code JsonCodec}) is the innermost; a sealing codec wraps
 * another codec and adds the authenticated {@link Sender} to what it decodes. A decode failure is
 * a {@link CodecException} carrying a {@link dev.outpost.RejectReason}, never any other exception.
 * Implementations are thread-safe.
 */
public interface Codec {

    /** Encodes a request for sending. */
    byte[] encodeRequest(Request request);

    /**
     * Decodes a request body.
     *
     * @throws CodecException when the body is not a valid request (the reason says why)
     */
    Decoded<Request> decodeRequest(byte[] body);

    /**
     * Decodes a request received from a transport. Codecs with replay protection use
     * {@code received} to accept redeliveries of a message they already opened while refusing new
     * copies of it; the default ignores it.
     *
     * @throws CodecException when the body is not a valid request
     */
    default Decoded<Request> decodeRequest(byte[] body, Received received) {
        return decodeRequest(body);
    }

    /**
     * Encodes a response; {@code recipient} is the authenticated sender of the request it answers,
     * to which a sealing codec seals the response.
     */
    byte[] encodeResponse(Response response, Optional<Sender> recipient);

    /**
     * Decodes a response body.
     *
     * @throws CodecException when the body is not a valid response
     */
    Decoded<Response> decodeResponse(byte[] body);
}
