package dev.outpost.ops;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Everything the bot and the rules need from the fleet. {@link OutpostFleet} implements it over
 * {@code outpost-fleet}'s {@link dev.outpost.fleet.Fleet} (inventory, selectors, fleet calls); tests
 * may implement it in memory.
 *
 * <p>A selector is {@code all}, {@code tag:T}, {@code host:ID} or a bare host id
 * ({@link OutpostFleet} also takes the fleet's selector text).
 */
public interface Fleet {
    /** Every live server, by id. */
    List<Server> servers();

    /** One server, empty when unknown. */
    Optional<Server> server(String id);

    /** The servers a selector picks, by id. */
    default List<Server> select(String selector) {
        String s = selector.trim();
        return servers().stream().filter(h -> {
            if (s.equals("all") || s.equals("*")) {
                return true;
            } else if (s.startsWith("tag:")) {
                return h.tags().contains(s.substring(4));
            } else if (s.startsWith("host:")) {
                return h.id().equals(s.substring(5));
            }
            return h.id().equals(s);
        }).toList();
    }

    /**
     * Calls {@code collector} on every server {@code selector} picks and gathers the answers; a host
     * that does not answer within {@code timeout} is reported as a failed answer.
     */
    List<HostAnswer> call(String selector, String collector, Map<String, String> params, Duration timeout);
}
