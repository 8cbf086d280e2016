package dev.outpost.core;

import dev.outpost.Request;
import dev.outpost.Response;
import dev.outpost.core.json.JsonCodec;
import dev.outpost.spi.Codec;
import dev.outpost.spi.Decoded;
import dev.outpost.spi.Sender;
import java.util.Optional;

/** The JSON codec, for a test codec to change only the methods it is about. */
abstract class JsonCodecDelegate implements Codec {
    final JsonCodec json = JsonCodec.create();

    @Override
    public byte[] encodeRequest(Request request) {
        return json.encodeRequest(request);
    }

    @Override
    public Decoded<Request> decodeRequest(byte[] body) {
        return json.decodeRequest(body);
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
