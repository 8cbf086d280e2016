package dev.outpost.fleet.internal;

import dev.outpost.RejectReason;
import dev.outpost.Request;
import dev.outpost.Response;
import dev.outpost.fleet.HostRecord;
import dev.outpost.spi.Codec;
import dev.outpost.spi.CodecException;
import dev.outpost.spi.Decoded;
import dev.outpost.spi.Received;
import dev.outpost.spi.Registry;
import dev.outpost.spi.Sender;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Supplier;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The worker-side half of fleet calls, as a codec decorator (core has no request hook yet; see
 * fleet/CORE-HOOKS.md): refuses requests a caller cancelled and topic broadcasts whose selector
 * does not select this host. Everything else passes through unchanged.
 */
public final class GuardCodec implements Codec {
    public static final RejectReason CANCELLED = RejectReason.of("cancelled", false);
    public static final RejectReason NOT_SELECTED = RejectReason.of("not-selected", false);
    private static final Logger log = LoggerFactory.getLogger(GuardCodec.class);
    private static final Pattern REQUEST_ID = Pattern.compile("[A-Za-z0-9-]{1,64}");

    private final Codec inner;
    private final Registry registry;
    private final Supplier<HostRecord> self;
    private final LongAdder cancelled = new LongAdder();
    private final LongAdder notSelected = new LongAdder();
    private final LongAdder lookupFailures = new LongAdder();
    private final Map<String, Optional<Node>> selectors = new LinkedHashMap<>(64, 0.75f, true) {
        private static final long serialVersionUID = 1L;

        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Optional<Node>> e) {
            return size() > 64;
        }
    };

    public GuardCodec(Codec inner, Registry registry, Supplier<HostRecord> self) {
        this.inner = inner;
        this.registry = registry;
        this.self = self;
    }

    @Override
    public byte[] encodeRequest(Request request) {
        return inner.encodeRequest(request);
    }

    @Override
    public Decoded<Request> decodeRequest(byte[] body) {
        return check(inner.decodeRequest(body));
    }

    @Override
    public Decoded<Request> decodeRequest(byte[] body, Received received) {
        return check(inner.decodeRequest(body, received));
    }

    @Override
    public byte[] encodeResponse(Response response, Optional<Sender> recipient) {
        return inner.encodeResponse(response, recipient);
    }

    @Override
    public Decoded<Response> decodeResponse(byte[] body) {
        return inner.decodeResponse(body);
    }

    @Override
    public Map<String, String> status() {
        Map<String, String> s = new LinkedHashMap<>(inner.status());
        s.put("fleet.cancelled", Long.toString(cancelled.sum()));
        s.put("fleet.not-selected", Long.toString(notSelected.sum()));
        s.put("fleet.cancel-lookup-failures", Long.toString(lookupFailures.sum()));
        return s;
    }

    private Decoded<Request> check(Decoded<Request> d) {
        Request r = d.document();
        String select = r.attributes().get(FleetAttributes.SELECT);
        HostRecord me = self.get();
        if (select != null && !selected(select, me)) {
            notSelected.increment();
            throw new CodecException(NOT_SELECTED, "request " + r.id() + " is a broadcast for other hosts");
        }
        if ("true".equals(r.attributes().get(FleetAttributes.CANCELLABLE)) && REQUEST_ID.matcher(r.id()).matches()) {
            try {
                Optional<com.fasterxml.jackson.databind.JsonNode> c = registry.get(FleetAttributes.cancelKey(r.id()))
                        .map(dev.outpost.spi.RegistryEntry::value);
                if (c.isPresent() && (c.get().path("all").asBoolean(false) || c.get().path("hosts").has(me.id()))) {
                    cancelled.increment();
                    throw new CodecException(CANCELLED, "request " + r.id() + " was cancelled by its caller");
                }
            } catch (CodecException e) {
                throw e;
            } catch (RuntimeException e) {
                // cancellation is best effort, not a security check: with the registry down the request runs
                lookupFailures.increment();
                log.warn("fleet guard: cannot read the cancellation of {} ({}); running it", r.id(), e.toString());
            }
        }
        return d;
    }

    private boolean selected(String text, HostRecord me) {
        Optional<Node> n;
        synchronized (selectors) {
            n = selectors.get(text);
        }
        if (n == null) {
            try {
                n = Optional.of(Lexer.parse(text));
            } catch (RuntimeException e) {
                n = Optional.empty();
            }
            synchronized (selectors) {
                selectors.put(text, n);
            }
        }
        return n.isPresent() && n.get().matches(me);
    }
}
