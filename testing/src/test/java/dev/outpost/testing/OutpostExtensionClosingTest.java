package dev.outpost.testing;

import static org.assertj.core.api.Assertions.assertThat;

import dev.outpost.Request;
import dev.outpost.spi.Collector;
import dev.outpost.spi.CollectorContext;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.extension.RegisterExtension;

/** One extension (a static field) serves several tests: none gets a collector an earlier test's worker closed. */
class OutpostExtensionClosingTest {
    static final AtomicInteger MADE = new AtomicInteger();

    static final class Pool implements Collector, AutoCloseable {
        final String name;
        final AtomicBoolean closed = new AtomicBoolean();

        Pool(String name) {
            this.name = name;
        }

        @Override
        public String name() {
            return name;
        }

        @Override
        public Object collect(Request request, CollectorContext context) {
            if (closed.get()) {
                throw new IllegalStateException(name + " was closed");
            }
            return "open";
        }

        @Override
        public void close() {
            closed.set(true);
        }
    }

    static final Pool SHARED = new Pool("shared");

    @RegisterExtension
    static final OutpostExtension OUTPOST = OutpostExtension.builder()
            .collector(SHARED)
            .collector(() -> {
                MADE.incrementAndGet();
                return new Pool("fresh");
            })
            .build();

    @RepeatedTest(3)
    void everyTestGetsAnOpenCollector() {
        assertThat(OUTPOST.call(Request.builder("shared").build()).isOk()).isTrue();
        assertThat(OUTPOST.call(Request.builder("fresh").build()).isOk()).isTrue();
        assertThat(SHARED.closed).isFalse();
    }
}
