package dev.outpost.fleet.internal;

import com.fasterxml.jackson.databind.JsonNode;
import dev.outpost.RejectReason;
import dev.outpost.Request;
import dev.outpost.core.RequestFilter;
import dev.outpost.fleet.HostRecord;
import dev.outpost.spi.Registry;
import dev.outpost.spi.RegistryEntry;
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
 * The worker-side half of fleet calls, as a worker {@link RequestFilter}: a topic broadcast whose
 * selector does not select this host is acked quietly (no answer, no dead-letter copy: it is not
 * an error, and every other host of the fleet receives it too); a request its caller cancelled
 * is answered {@code cancelled}, so the caller hears it from the worker itself, and acked without
 * a dead-letter copy.
 */
public final class HostFilter implements RequestFilter {
    public static final RejectReason CANCELLED = RejectReason.of("cancelled", true);
    public static final RejectReason NOT_SELECTED = RejectReason.of("not-selected", false);
    private static final Logger log = LoggerFactory.getLogger(HostFilter.class);
    private static final Pattern REQUEST_ID = Pattern.compile("[A-Za-z0-9-]{1,64}");
    private static final int SELECTORS_KEPT = 64;

    private final Registry registry;
    private final Supplier<HostRecord> self;
    private final LongAdder cancelled = new LongAdder();
    private final LongAdder notSelected = new LongAdder();
    private final LongAdder lookupFailures = new LongAdder();
    private final Map<String, Optional<Node>> selectors = new LinkedHashMap<>(SELECTORS_KEPT, 0.75f, true) {
        private static final long serialVersionUID = 1L;

        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Optional<Node>> e) {
            return size() > SELECTORS_KEPT;
        }
    };

    public HostFilter(Registry registry, Supplier<HostRecord> self) {
        this.registry = registry;
        this.self = self;
    }

    @Override
    public Optional<Refusal> check(Request r, Optional<Sender> sender) {
        String select = r.attributes().get(FleetAttributes.SELECT);
        boolean cancellable = "true".equals(r.attributes().get(FleetAttributes.CANCELLABLE));
        if (select == null && !cancellable) {
            return Optional.empty();
        }
        HostRecord me = self.get();
        if (select != null && !selected(select, me)) {
            notSelected.increment();
            return Optional.of(new Refusal(NOT_SELECTED, "request " + r.id() + " is a broadcast for other hosts", false, false));
        }
        if (cancellable && REQUEST_ID.matcher(r.id()).matches()) {
            try {
                Optional<JsonNode> c = registry.get(FleetAttributes.cancelKey(r.id())).map(RegistryEntry::value);
                if (c.isPresent() && (c.get().path("all").asBoolean(false) || c.get().path("hosts").has(me.id()))) {
                    cancelled.increment();
                    return Optional.of(new Refusal(CANCELLED, "request " + r.id() + " was cancelled by its caller", true, false));
                }
            } catch (RuntimeException e) {
                // cancellation is best effort, not a security check: with the registry down the request runs
                lookupFailures.increment();
                log.warn("fleet host {}: cannot read the cancellation of {} ({}); running it", me.id(), r.id(), e.toString());
            }
        }
        return Optional.empty();
    }

    /** Requests refused because their caller cancelled them. */
    public long cancelled() {
        return cancelled.sum();
    }

    /** Topic broadcasts acked quietly because their selector did not select this host. */
    public long notSelected() {
        return notSelected.sum();
    }

    /** Cancellations that could not be read (the request ran). */
    public long lookupFailures() {
        return lookupFailures.sum();
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
                n = Optional.empty(); // a selector this host cannot read selects nothing here
            }
            synchronized (selectors) {
                selectors.put(text, n);
            }
        }
        return n.isPresent() && n.get().matches(me);
    }

    @Override
    public String toString() {
        return "fleet host filter";
    }
}
