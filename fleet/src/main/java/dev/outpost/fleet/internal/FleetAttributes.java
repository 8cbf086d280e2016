package dev.outpost.fleet.internal;

import dev.outpost.fleet.Discovery;
import dev.outpost.fleet.Selector;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;

/** Request attributes and registry keys the caller and the worker-side guard agree on. */
public final class FleetAttributes {
    /** The selector text of a topic broadcast: hosts it does not select refuse the request. */
    public static final String SELECT = "outpost.fleet.select";
    /** "true": the worker-side guard looks for a cancellation before running it. */
    public static final String CANCELLABLE = "outpost.fleet.cancellable";
    /**
     * Prefix of cancellation records: {@code fleet/cancelled/REQUEST} holding {@code {"all":true}}
     * or {@code {"hosts":{"ID":true,…}}}, so a worker reads one key per request.
     */
    public static final String CANCELLED_PREFIX = "fleet/cancelled/";

    private FleetAttributes() {}

    public static String cancelKey(String requestId) {
        return CANCELLED_PREFIX + requestId;
    }

    /**
     * What the workers on the topic are told to select themselves by: the expected ids when the set
     * came from a ping (hosts that joined since stay out), else, or when the ids are too many to
     * name in one selector, the call's target, which each worker evaluates on its own tags and facts.
     */
    public static Optional<String> topicSelector(Selector target, Discovery expected) {
        if (expected.source() != Discovery.Source.REGISTRY) {
            String ids = idSelector(expected.ids());
            if (ids.length() <= Lexer.MAX_LENGTH) {
                return Optional.of(ids);
            }
        }
        return target.equals(Selector.all()) ? Optional.empty() : Optional.of(target.text());
    }

    /** The selector naming exactly {@code ids}. */
    public static String idSelector(List<String> ids) {
        return "id:" + String.join(",", ids);
    }

    /**
     * {@code items} split, in order, into groups whose {@link #idSelector} stays within what a worker
     * parses ({@link Lexer#MAX_LENGTH}): a longer one is refused by every host, so the group it
     * named would never run. Host ids are at most 200 characters, so every group holds at least one.
     */
    public static <T> List<List<T>> idGroups(List<T> items, Function<T, String> id) {
        List<List<T>> groups = new ArrayList<>();
        List<T> group = new ArrayList<>();
        int length = "id:".length() - 1;
        for (T item : items) {
            int add = id.apply(item).length() + 1;
            if (!group.isEmpty() && length + add > Lexer.MAX_LENGTH) {
                groups.add(group);
                group = new ArrayList<>();
                length = "id:".length() - 1;
            }
            group.add(item);
            length += add;
        }
        if (!group.isEmpty()) {
            groups.add(group);
        }
        return groups;
    }
}
