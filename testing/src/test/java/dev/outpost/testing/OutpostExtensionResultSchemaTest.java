package dev.outpost.testing;

import static org.assertj.core.api.Assertions.assertThat;

import dev.outpost.Request;
import dev.outpost.Response;
import dev.outpost.ResponseStatus;
import dev.outpost.spi.Collector;
import dev.outpost.spi.CollectorContext;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The extension checks results against result schemas: a collector breaking its own contract fails in tests. */
class OutpostExtensionResultSchemaTest {
    record Temperature(String sensor, double celsius) {}

    /** Returns a record (its schema is derived), but leaves a required field null when asked to. */
    public static final class Thermometer implements Collector {
        @Override
        public String name() {
            return "temperature";
        }

        @Override
        public Temperature collect(Request request, CollectorContext context) {
            return new Temperature(request.params().path("broken").asBoolean() ? null : "t1", 21.5);
        }
    }

    @RegisterExtension
    final OutpostExtension outpost = OutpostExtension.builder().collector(Thermometer::new).build();

    @Test
    void aResultThatKeepsItsContractIsAnswered() {
        assertThat(outpost.call(Request.builder("temperature").build()).isOk()).isTrue();
    }

    @Test
    void aResultThatBreaksItsDerivedSchemaIsAnInvalidResultError() {
        Response r = outpost.call(Request.builder("temperature").param("broken", true).build());
        assertThat(r.status()).isEqualTo(ResponseStatus.ERROR);
        assertThat(r.error().orElseThrow().code()).isEqualTo("invalid-result");
        assertThat(r.error().orElseThrow().message()).contains("sensor");
    }
}
