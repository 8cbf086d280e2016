package dev.outpost.ops;

import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.SortedMap;
import java.util.TreeMap;

/** A parsed chat-ops command; {@link CommandParser} makes them from text. */
public sealed interface Command {
    /** {@code help [TOPIC]}. @param topic the command asked about, empty for all */
    record Help(Optional<String> topic) implements Command {
        /** Checks the topic. */
        public Help {
            Objects.requireNonNull(topic, "topic");
        }
    }

    /** {@code list servers}. */
    record ListServers() implements Command {}

    /** {@code describe server ID}. @param id the host id */
    record DescribeServer(String id) implements Command {
        /** Checks the id. */
        public DescribeServer {
            Objects.requireNonNull(id, "id");
        }
    }

    /** {@code servers with tag TAG}. @param tag the tag */
    record ServersWithTag(String tag) implements Command {
        /** Checks the tag. */
        public ServersWithTag {
            Objects.requireNonNull(tag, "tag");
        }
    }

    /** {@code jobs}. */
    record Jobs() implements Command {}

    /** {@code health}. */
    record Health() implements Command {}

    /** {@code config}. */
    record Config() implements Command {}

    /**
     * {@code run COLLECTOR on SELECTOR [with K=V, ...]}.
     *
     * @param collector the collector's name
     * @param selector {@code all}, {@code tag:T}, {@code host:ID} or a host id
     * @param params the collector's parameters
     */
    record Run(String collector, String selector, SortedMap<String, String> params) implements Command {
        /** Copies the parameters. */
        public Run {
            Objects.requireNonNull(collector, "collector");
            Objects.requireNonNull(selector, "selector");
            params = java.util.Collections.unmodifiableSortedMap(new TreeMap<>(Map.copyOf(params)));
        }
    }
}
