package dev.outpost.ops;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.outpost.fleet.Discovery;
import dev.outpost.fleet.FleetCall;
import dev.outpost.fleet.FleetRequest;
import dev.outpost.fleet.FleetSummary;
import dev.outpost.fleet.HostRecord;
import dev.outpost.fleet.HostResult;
import dev.outpost.fleet.Outcome;
import dev.outpost.fleet.Route;
import dev.outpost.fleet.Selector;
import dev.outpost.fleet.SelectorException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The bot's {@link Fleet} over {@code outpost-fleet}: servers come from the fleet's inventory
 * ({@link dev.outpost.fleet.Fleet#discover}, which reads the registry the {@code FleetMember}s
 * write), selectors are {@link Selector}s, and {@code run} is one fleet call
 * ({@link dev.outpost.fleet.Fleet#call}) with exactly one outcome per host. Owns nothing: the
 * fleet (built with a registry and started) is the caller's to close.
 *
 * <p>Selectors: {@code all} (or {@code *}), {@code tag:T}, {@code host:ID}, a bare host id, or any
 * text {@link Selector#parse} accepts ({@code id:web-*}, {@code fact:os.name=Linux}).
 */
public final class OutpostFleet implements Fleet {
    /** The most hosts one call addresses (the fleet's own cap applies too); the others are answered {@code not-started}. */
    public static final int MAX_HOSTS_PER_CALL = 1000;
    private static final Logger LOG = LoggerFactory.getLogger(OutpostFleet.class);

    private final dev.outpost.fleet.Fleet fleet;
    private final Route route;

    /** Over {@code fleet}, calling each host directly on its {@code requests} destination. */
    public OutpostFleet(dev.outpost.fleet.Fleet fleet) {
        this(fleet, Route.DIRECT);
    }

    /** Over {@code fleet}, sending calls by {@code route} ({@link Route#AUTO} uses the fleet topic for the whole fleet). */
    public OutpostFleet(dev.outpost.fleet.Fleet fleet, Route route) {
        this.fleet = Objects.requireNonNull(fleet, "fleet");
        this.route = Objects.requireNonNull(route, "route");
    }

    @Override
    public List<Server> servers() {
        return fleet.discover(Selector.all()).hosts().stream().map(OutpostFleet::server).toList();
    }

    @Override
    public Optional<Server> server(String id) {
        try {
            HostRecord.checkId(id);
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
        return fleet.discover(Selector.id(id)).hosts().stream().filter(h -> h.id().equals(id)).findFirst()
                .map(OutpostFleet::server);
    }

    @Override
    public List<Server> select(String selector) {
        return fleet.discover(selector(selector)).hosts().stream().map(OutpostFleet::server).toList();
    }

    /**
     * The fleet selector for the bot's text.
     *
     * @throws IllegalArgumentException naming the position of the problem in {@code text}
     */
    public static Selector selector(String text) {
        String s = text.trim();
        try {
            if (s.equals("all") || s.equals("*")) {
                return Selector.all();
            } else if (s.startsWith("tag:") && s.indexOf(' ') < 0) {
                return Selector.tag(s.substring(4));
            } else if (s.startsWith("host:")) {
                return Selector.id(HostRecord.checkId(s.substring(5)));
            } else if (s.indexOf(':') < 0 && s.indexOf(' ') < 0) {
                return Selector.id(HostRecord.checkId(s));
            }
            return Selector.parse(s);
        } catch (SelectorException e) {
            throw new IllegalArgumentException(e.getMessage(), e);
        }
    }

    @Override
    public List<HostAnswer> call(String selector, String collector, Map<String, String> params, Duration timeout) {
        Selector target = selector(selector);
        Discovery hosts = fleet.discover(target);
        List<String> ids = hosts.ids().size() > MAX_HOSTS_PER_CALL ? hosts.ids().subList(0, MAX_HOSTS_PER_CALL) : hosts.ids();
        if (ids.isEmpty()) {
            return List.of();
        }
        FleetRequest.Builder b = FleetRequest.builder(collector).route(route).deadline(timeout);
        params.forEach(b::param);
        // the discovery itself when it is the whole set, so that AUTO may take the topic for the whole fleet; past the
        // cap, the ids alone: a topic call on the selector would reach the hosts left out too
        Supplier<FleetCall> call = ids.size() == hosts.ids().size() ? () -> fleet.call(b.target(target).build(), hosts)
                : () -> fleet.call(b.hosts(ids).build());
        List<HostAnswer> out = new ArrayList<>(called(ids, call, selector, collector, timeout));
        // one answer per selected host: those past the cap were dropped without a word, as if there were none
        for (String id : hosts.ids().subList(ids.size(), hosts.ids().size())) {
            out.add(new HostAnswer(id, false, error(Outcome.NOT_STARTED.code(),
                    "not called: one call addresses at most " + MAX_HOSTS_PER_CALL + " hosts; narrow the selector")));
        }
        return out;
    }

    private static List<HostAnswer> called(List<String> ids, Supplier<FleetCall> call, String selector, String collector,
            Duration timeout) {
        FleetSummary summary;
        try {
            summary = call.get().summary().get(waitNanos(timeout), TimeUnit.NANOSECONDS);
        } catch (TimeoutException e) {
            return ids.stream().map(h -> new HostAnswer(h, false, error("timeout", "no answer in time"))).toList();
        } catch (ExecutionException e) {
            // its text may name queues and accounts, as a not-delivered host's detail does: the log's, not the chat's
            LOG.warn("the fleet call of {} on {} failed", collector, selector, e.getCause());
            return ids.stream().map(h -> new HostAnswer(h, false, error("failed", "the call failed (see the log)"))).toList();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return ids.stream().map(h -> new HostAnswer(h, false, error("interrupted", "interrupted"))).toList();
        }
        List<HostAnswer> out = new ArrayList<>();
        for (String id : ids) {
            HostResult r = summary.results().get(id);
            out.add(r == null ? new HostAnswer(id, false, error(Outcome.NO_REPLY.code(), "no answer in time")) : answer(r));
        }
        return out;
    }

    /** The timeout and 5 s more, in nanoseconds, saturated: any Duration is a timeout, and the call is sent before this. */
    private static long waitNanos(Duration timeout) {
        Duration most = Duration.ofNanos(Long.MAX_VALUE).minusSeconds(5);
        return timeout.compareTo(most) >= 0 ? Long.MAX_VALUE : timeout.plusSeconds(5).toNanos();
    }

    private static HostAnswer answer(HostResult r) {
        if (r.outcome() == Outcome.OK && r.response().isPresent()) {
            return new HostAnswer(r.host(), true, r.response().get().result().orElse(JsonNodeFactory.instance.nullNode()));
        }
        if (r.outcome() == Outcome.NOT_DELIVERED) {
            // the detail is the transport's exception text (queue URLs, account ids): the log's, not the chat's
            LOG.warn("a request to {} was not delivered: {}", r.host(), shown(r.detail()));
            return new HostAnswer(r.host(), false, error(r.outcome().code(), "the transport refused it (see the log)"));
        }
        if (r.outcome() == Outcome.CANCELLED && r.response().isEmpty()) {
            // cancelled here (the fleet shut down): the detail may hold the registry's exception text: the log's too
            LOG.warn("the request to {} was cancelled: {}", r.host(), shown(r.detail()));
            return new HostAnswer(r.host(), false, error(r.outcome().code(), "cancelled before the host answered (see the log)"));
        }
        String message = r.response().flatMap(x -> x.error()).map(x -> x.message()).orElse(r.detail());
        return new HostAnswer(r.host(), false, error(r.outcome().code(), message));
    }

    /** A result's detail for a log line: it quotes the destination a host's inventory entry names, chosen by its writer. */
    private static String shown(String detail) {
        return dev.outpost.ops.internal.Text.oneLine(dev.outpost.ops.internal.Text.clip(detail, 1000));
    }

    private static Server server(HostRecord h) {
        return new Server(h.id(), h.requests(), h.collectors(), new java.util.TreeSet<>(h.tags()), new java.util.TreeMap<>(h.facts()));
    }

    private static JsonNode error(String code, String message) {
        ObjectNode o = JsonNodeFactory.instance.objectNode();
        o.put("error", code);
        o.put("message", message == null ? "" : message);
        return o;
    }
}
