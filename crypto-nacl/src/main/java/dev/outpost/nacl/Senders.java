package dev.outpost.nacl;

import dev.outpost.RejectReason;
import dev.outpost.spi.CodecException;
import dev.outpost.spi.Sender;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Who a sealed message may come from and whom a response goes back to: the known-senders lookup
 * (done on the key a message claims, before any public-key work), the {@link Sender} handed to
 * the worker, and the public key of a {@link Sender} a response is sealed for.
 */
final class Senders {
    /** Recipients of responses are senders of requests that opened: at most the known senders. */
    private static final int MAX_CACHED = 16_384;

    private final KnownSenders known;
    private final Map<String, NaclPublicKey> keysByText = new ConcurrentHashMap<>();
    // The sender last told to the worker, kept: requests mostly come from one sender, which then
    // costs no Sender per message, and its response no lookup of the key by its text. Matched by
    // identity: a reloaded list has new KnownSender objects.
    private volatile Told last;

    private record Told(KnownSender known, Sender sender) {}

    Senders(KnownSenders known) {
        this.known = known;
    }

    KnownSenders list() {
        return known;
    }

    /**
     * The known sender whose raw key is {@code claimed}.
     *
     * @throws CodecException {@code unknown-sender}, naming the key as Keygen and key files print it
     */
    KnownSender require(byte[] claimed) {
        NaclPublicKey key = NaclPublicKey.wrap(claimed);
        KnownSender sender = known.find(key).orElse(null);
        if (sender == null) {
            throw unknown(key);
        }
        return sender;
    }

    /** What the worker learns of an authenticated sender: its key (base64) as id, its name and collectors. */
    Sender asSender(KnownSender known) {
        Told t = last;
        if (t != null && t.known() == known) {
            return t.sender();
        }
        Sender s = new Sender(known.key().base64(), known.name(), known.collectors());
        last = new Told(known, s);
        return s;
    }

    /** The public key of a sender (its id is the base64 key), parsed once per sender. */
    NaclPublicKey keyOf(Sender sender) {
        Told t = last;
        if (t != null && t.sender() == sender) {
            return t.known().key();
        }
        NaclPublicKey k = keysByText.get(sender.id());
        if (k == null) {
            k = NaclPublicKey.parse(sender.id());
            if (keysByText.size() >= MAX_CACHED) {
                keysByText.clear();
            }
            keysByText.put(sender.id(), k);
        }
        return k;
    }

    /**
     * An answer names the worker that gave it; when a known sender goes by that name, only its key may seal the answer.
     * Otherwise any known worker could answer as another (a call meant for one host, a broadcast's count of hosts) and
     * be believed. A name no known sender has (recipients-only lists name keys {@code recipient-<key id>}) proves
     * nothing either way and passes.
     */
    void requireOwnName(String worker, Sender sealedBy) {
        Optional<KnownSender> named = known.findByName(worker);
        if (named.isPresent() && !named.get().key().base64().equals(sealedBy.id())) {
            throw new CodecException(RejectReason.UNAUTHORISED, "an answer naming worker '" + worker
                    + "' was sealed by sender '" + sealedBy.name() + "', not by the key known as '" + worker
                    + "' (key id " + named.get().key().keyIdHex() + "); it is not believed");
        }
    }

    private CodecException unknown(NaclPublicKey key) {
        String who = "sender key id " + key.keyIdHex() + " (public key " + key.base64() + ")";
        KnownSendersStatus k = known.status();
        if (k.failing()) {
            return new CodecException(RejectReason.UNKNOWN_SENDER, who + " is not obeyed: the known-senders file is unusable"
                    + " (" + k.lastError().orElse("") + "), so no sender is obeyed until it is fixed");
        }
        return new CodecException(RejectReason.UNKNOWN_SENDER, who + " is not in the known-senders list");
    }
}
