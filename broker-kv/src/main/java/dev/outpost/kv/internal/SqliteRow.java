package dev.outpost.kv.internal;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import dev.outpost.spi.RegistryEntry;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.Optional;

/** A stored row of the {@code entries} table: a live entry or a tombstone holding the key's last version. */
public record SqliteRow(String key, String value, long version, long updatedAt, String updatedBy, Long expiresAtMs, boolean deleted) {
    /** The columns, in the order {@link #read} expects. */
    public static final String COLUMNS = "key, value, version, updated_at, updated_by, expires_at, deleted";

    public Optional<Instant> expiresAt() {
        return Optional.ofNullable(expiresAtMs).map(Instant::ofEpochMilli);
    }

    public RegistryEntry entry() {
        return new RegistryEntry(key, parse(value), version, Instant.ofEpochMilli(updatedAt), expiresAt(), deleted,
                Optional.ofNullable(updatedBy));
    }

    /** The row at the result set's cursor. */
    public static SqliteRow read(ResultSet rs) throws SQLException {
        long exp = rs.getLong(6);
        Long expires = rs.wasNull() ? null : exp;
        return new SqliteRow(rs.getString(1), rs.getString(2), rs.getLong(3), rs.getLong(4), rs.getString(5), expires, rs.getInt(7) != 0);
    }

    /** A stored value as JSON. */
    public static JsonNode parse(String text) {
        try {
            return Wire.JSON.readTree(text);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("stored value is not JSON: " + e.getOriginalMessage(), e);
        }
    }
}
