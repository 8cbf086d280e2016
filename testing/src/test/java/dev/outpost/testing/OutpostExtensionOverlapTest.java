package dev.outpost.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.outpost.Request;
import dev.outpost.core.Worker;
import dev.outpost.spi.Collector;
import java.lang.reflect.Proxy;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * One extension (a static field, or a per-class test instance) and two tests at once, as parallel
 * execution runs them: the second must not silently take over the first one's wiring.
 */
class OutpostExtensionOverlapTest {
    private static ExtensionContext test(String id) {
        return (ExtensionContext) Proxy.newProxyInstance(ExtensionContext.class.getClassLoader(),
                new Class<?>[] {ExtensionContext.class}, (proxy, method, args) -> switch (method.getName()) {
                    case "getUniqueId" -> id;
                    case "getDisplayName" -> id;
                    case "toString" -> id;
                    case "hashCode" -> System.identityHashCode(proxy);
                    case "equals" -> proxy == args[0];
                    default -> throw new UnsupportedOperationException(method.getName());
                });
    }

    @Test
    void aSecondTestWhileOneRunsIsRefusedAndLeavesTheFirstAlone() {
        OutpostExtension outpost = OutpostExtension.builder().collector(Collector.of("echo", (r, c) -> Map.of("ok", true))).build();
        ExtensionContext first = test("[test:first]");
        ExtensionContext second = test("[test:second]");
        outpost.beforeEach(first);
        try {
            Worker worker = outpost.worker();
            assertThatThrownBy(() -> outpost.beforeEach(second)).isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("[test:first]");
            outpost.afterEach(second); // JUnit runs it after a failed beforeEach too
            assertThat(outpost.worker()).isSameAs(worker);
            assertThat(outpost.call(Request.builder("echo").build()).isOk()).isTrue();
        } finally {
            outpost.afterEach(first);
        }
        assertThatThrownBy(outpost::worker).isInstanceOf(IllegalStateException.class);
        // and the extension serves the next test
        outpost.beforeEach(second);
        try {
            assertThat(outpost.call(Request.builder("echo").build()).isOk()).isTrue();
        } finally {
            outpost.afterEach(second);
        }
    }
}
