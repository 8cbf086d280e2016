package dev.outpost.core;

import dev.outpost.Request;
import dev.outpost.Response;
import dev.outpost.core.json.JsonCodec;
import dev.outpost.spi.Codec;
import dev.outpost.spi.Decoded;
import dev.outpost.spi.Sender;
import java.util.Optional;

/** A codec that says every request comes from {@code sender}: stands in for an authenticating codec in tests. */
final class TrustingCodec implements Codec {
    private final JsonCodec json = JsonCodec.create();
    private final Sender sender;

    TrustingCodec(Sender sender) {
        this.sender = sender;
    }

    @Override
    public byte[] encodeRequest(Request request) {
        return json.encodeRequest(request);
    }

    @Override
    public Decoded<Request> decodeRequest(byte[] body) {
        return new Decoded<>(json.decodeRequest(body).document(), Optional.of(sender));
    }

    @Override
    public byte[] encodeResponse(Response response, Optional<Sender> recipient) {
        return json.encodeResponse(response, recipient);
    }

    @Override
    public Decoded<Response> decodeResponse(byte[] body) {
        return json.decodeResponse(body);
    }
}
