package dev.outpost.core;

import dev.outpost.Request;
import dev.outpost.spi.Decoded;
import dev.outpost.spi.Sender;
import java.util.Optional;

/** A codec that says every request comes from {@code sender}: stands in for an authenticating codec in tests. */
final class TrustingCodec extends JsonCodecDelegate {
    private final Sender sender;

    TrustingCodec(Sender sender) {
        this.sender = sender;
    }

    @Override
    public Decoded<Request> decodeRequest(byte[] body) {
        return new Decoded<>(json.decodeRequest(body).document(), Optional.of(sender));
    }
}
