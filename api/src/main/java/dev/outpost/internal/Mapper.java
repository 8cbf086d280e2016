package dev.outpost.internal;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.datatype.jdk8.Jdk8Module;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;

/**
 * The one JSON mapper Outpost's own modules share. Not for applications: it is configured once
 * here and must never be reconfigured; applications use {@link dev.outpost.Json}.
 */
public final class Mapper {
    /**
     * Unknown fields are tolerated (forward compatibility), {@code java.time} values and
     * {@code Optional}s serialise as a user expects, dates as ISO-8601 text.
     */
    public static final ObjectMapper SHARED = JsonMapper.builder()
            .addModule(new Jdk8Module())
            .addModule(new JavaTimeModule())
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
            .disable(SerializationFeature.FAIL_ON_EMPTY_BEANS)
            .build();

    private Mapper() {}
}
