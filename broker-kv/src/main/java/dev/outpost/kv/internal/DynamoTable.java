package dev.outpost.kv.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.NullNode;
import dev.outpost.spi.RegistryEntry;
import java.time.DateTimeException;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.ConditionalCheckFailedException;

/**
 * The DynamoDB registry's items: one per key (partition {@code ns}, sort key {@code name}), the
 * revision counter in partition {@value #META}, and per key with an expiry a version floor item in
 * partition {@code _floor/NAMESPACE} that DynamoDB's TTL never removes.
 */
public final class DynamoTable {
    /** The reserved partition holding the revision counter. */
    public static final String META = "_outpost";
    /** Versions a key with an expiry reserves in its floor item at a time. */
    public static final long RESERVE = 1024;

    private final DynamoDbClient dynamo;
    private final String table;
    private final Duration expiredRetention;

    public DynamoTable(DynamoDbClient dynamo, String table, Duration expiredRetention) {
        this.dynamo = dynamo;
        this.table = table;
        this.expiredRetention = expiredRetention;
    }

    /** A stored value as JSON. */
    public static JsonNode parse(String text) {
        try {
            return "null".equals(text) ? NullNode.getInstance() : Wire.JSON.readTree(text);
        } catch (Exception e) {
            throw new IllegalStateException("stored value is not JSON: " + e.getMessage(), e);
        }
    }


    public record Item(String key, String value, long version, long updatedAt, Optional<String> by, Optional<Long> expMs,
            boolean deleted, Optional<Long> reserved) {
        public Item(String key, String value, long version, long updatedAt, Optional<String> by, Optional<Long> expMs, boolean deleted) {
            this(key, value, version, updatedAt, by, expMs, deleted, Optional.empty());
        }

        public boolean liveAt(long nowMs) {
            return !deleted && (expMs.isEmpty() || expMs.get() > nowMs);
        }

        public RegistryEntry entry() {
            return new RegistryEntry(key, parse(value), version, Instant.ofEpochMilli(updatedAt),
                    expMs.map(Instant::ofEpochMilli), deleted, by);
        }
    }

    public static Map<String, AttributeValue> keyOf(String key) {
        int slash = key.indexOf('/');
        return Map.of("ns", s(key.substring(0, slash)), "name", s(key.substring(slash + 1)));
    }

    public static AttributeValue s(String v) {
        return AttributeValue.builder().s(v).build();
    }

    public static AttributeValue n(long v) {
        return AttributeValue.builder().n(Long.toString(v)).build();
    }

    public static Item item(Map<String, AttributeValue> a) {
        return new Item(a.get("ns").s() + "/" + a.get("name").s(), a.get("val").s(), Long.parseLong(a.get("ver").n()),
                Long.parseLong(a.get("upd").n()), Optional.ofNullable(a.get("by")).map(AttributeValue::s),
                Optional.ofNullable(a.get("expMs")).map(x -> Long.parseLong(x.n())),
                Optional.ofNullable(a.get("del")).map(AttributeValue::bool).orElse(false),
                Optional.ofNullable(a.get("rsv")).map(x -> Long.parseLong(x.n())));
    }

    /** The floor item of a key: a separate item, without TTL, that outlives the key's own. */
    private static Map<String, AttributeValue> floorKeyOf(String key) {
        int slash = key.indexOf('/');
        return Map.of("ns", s("_floor/" + key.substring(0, slash)), "name", s(key.substring(slash + 1)));
    }

    /** The first version for a key that has no item: above whatever its removed items may have used. */
    public long firstVersion(String key) {
        Map<String, AttributeValue> a = dynamo.getItem(r -> r.tableName(table).key(floorKeyOf(key)).consistentRead(true)).item();
        return a == null || !a.containsKey("f") ? 1 : Long.parseLong(a.get("f").n()) + 1;
    }

    /**
     * An item with an expiry can be removed by DynamoDB's TTL, and its versions with it. Before such
     * an item is written past its reservation, the floor item is raised {@value #RESERVE} versions
     * ahead, so a key registered again after the removal starts above every version it had.
     */
    private Optional<Long> reserve(Item next, Optional<Item> seen) {
        Optional<Long> had = seen.flatMap(Item::reserved);
        if (next.expMs.isEmpty() || had.isPresent() && next.version <= had.get()) {
            return had;
        }
        long ceiling = next.version + RESERVE;
        try {
            dynamo.updateItem(r -> r.tableName(table).key(floorKeyOf(next.key)).updateExpression("SET f = :f")
                    .conditionExpression("attribute_not_exists(f) OR f < :f").expressionAttributeValues(Map.of(":f", n(ceiling))));
        } catch (ConditionalCheckFailedException higher) {
            // already reserved further ahead
        }
        return Optional.of(ceiling);
    }

    /** Epoch seconds of DynamoDB's removal: {@code expMs} plus the retention, saturated at the last instant. */
    private long ttlSeconds(long expMs) {
        try {
            return Instant.ofEpochMilli(expMs).plus(expiredRetention).getEpochSecond();
        } catch (DateTimeException | ArithmeticException tooFar) {
            // a retention the builder takes (any non-negative one) overflowed here and failed every leased write
            return Instant.MAX.getEpochSecond();
        }
    }

    public Optional<Item> read(String key) {
        Map<String, AttributeValue> a = dynamo.getItem(r -> r.tableName(table).key(keyOf(key)).consistentRead(true)).item();
        return a == null || a.isEmpty() ? Optional.empty() : Optional.of(item(a));
    }

    /** Writes {@code next} if the item is still as {@code seen} (absent when empty); false when it moved. */
    public boolean write(Item next, Optional<Item> seen) {
        Map<String, AttributeValue> a = new HashMap<>(keyOf(next.key));
        a.put("val", s(next.value));
        a.put("ver", n(next.version));
        a.put("upd", n(next.updatedAt));
        reserve(next, seen).ifPresent(r -> a.put("rsv", n(r)));
        next.by.ifPresent(b -> a.put("by", s(b)));
        next.expMs.ifPresent(e -> {
            a.put("expMs", n(e));
            a.put("ttl", n(ttlSeconds(e)));
        });
        if (next.deleted) {
            a.put("del", AttributeValue.builder().bool(true).build());
        }
        try {
            if (seen.isEmpty()) {
                dynamo.putItem(r -> r.tableName(table).item(a).conditionExpression("attribute_not_exists(ns)"));
            } else {
                // (version, tombstone) identifies a state: a delete keeps the version but sets del
                Item was = seen.get();
                dynamo.putItem(r -> r.tableName(table).item(a)
                        .conditionExpression(was.deleted ? "ver = :ver AND del = :t" : "ver = :ver AND attribute_not_exists(del)")
                        .expressionAttributeValues(was.deleted
                                ? Map.of(":ver", n(was.version), ":t", AttributeValue.builder().bool(true).build())
                                : Map.of(":ver", n(was.version))));
            }
        } catch (ConditionalCheckFailedException lost) {
            return false;
        }
        try {
            dynamo.updateItem(r -> r.tableName(table).key(Map.of("ns", s(META), "name", s("revision")))
                    .updateExpression("ADD rev :one").expressionAttributeValues(Map.of(":one", n(1))));
        } catch (SdkException e) {
            // the write stands; the revision only lags until the next write moves it
        }
        return true;
    }
}
