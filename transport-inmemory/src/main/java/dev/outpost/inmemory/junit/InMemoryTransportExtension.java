package dev.outpost.inmemory.junit;

import dev.outpost.inmemory.InMemoryTransport;
import java.lang.reflect.Method;
import java.util.Objects;
import java.util.function.Consumer;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * Hands each test a fresh {@link InMemoryTransport} and closes it after the test: for tests of
 * code that only needs a transport. ({@code OutpostExtension} in {@code outpost-testing} also wires a worker and a client;
 * register one or the other, not both.)
 *
 * <pre>{@code
 * @ExtendWith(InMemoryTransportExtension.class)
 * class PublisherTest {
 *     @Test
 *     void publishes(InMemoryTransport transport) {
 *         new Publisher(transport).publish("hello");
 *         assertThat(transport.peek("events")).hasSize(1);
 *     }
 * }
 *
 * // or, to configure the transport and reach it from fields and helpers:
 * @RegisterExtension
 * final InMemoryTransportExtension memory = InMemoryTransportExtension.configured(b -> b.autoCreate(false));
 * }</pre>
 *
 * <p>Test methods (and {@code @BeforeEach}/{@code @AfterEach} methods) may take an
 * {@code InMemoryTransport} parameter; within one test they all get the same transport.
 */
public final class InMemoryTransportExtension implements BeforeEachCallback, AfterEachCallback, ParameterResolver {
    private static final ExtensionContext.Namespace NAMESPACE = ExtensionContext.Namespace.create(InMemoryTransportExtension.class);

    private final Consumer<InMemoryTransport.Builder> customiser;
    private volatile InMemoryTransport current;

    /** An extension handing out transports with the defaults; the form {@code @ExtendWith} uses. */
    public InMemoryTransportExtension() {
        this(b -> {});
    }

    private InMemoryTransportExtension(Consumer<InMemoryTransport.Builder> customiser) {
        this.customiser = customiser;
    }

    /** An extension whose transports are adjusted by {@code customiser} before they are built. */
    public static InMemoryTransportExtension configured(Consumer<InMemoryTransport.Builder> customiser) {
        return new InMemoryTransportExtension(Objects.requireNonNull(customiser, "customiser"));
    }

    /**
     * The transport of the test running now.
     *
     * @throws IllegalStateException outside a test
     */
    public InMemoryTransport transport() {
        InMemoryTransport t = current;
        if (t == null) {
            throw new IllegalStateException("InMemoryTransportExtension hands out a transport only while a test runs");
        }
        return t;
    }

    @Override
    public void beforeEach(ExtensionContext context) {
        current = transportFor(context);
    }

    @Override
    public void afterEach(ExtensionContext context) {
        current = null; // the store closes the transport when the test's context ends
    }

    @Override
    public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
        return parameter.getParameter().getType() == InMemoryTransport.class
                && parameter.getDeclaringExecutable() instanceof Method
                && context.getTestMethod().isPresent();
    }

    @Override
    public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
        return transportFor(context);
    }

    private InMemoryTransport transportFor(ExtensionContext context) {
        return context.getStore(NAMESPACE).getOrComputeIfAbsent(Holder.class, k -> {
            InMemoryTransport.Builder b = InMemoryTransport.builder();
            customiser.accept(b);
            return new Holder(b.build());
        }, Holder.class).transport;
    }

    /** Closes the transport when JUnit discards the test's store. */
    private record Holder(InMemoryTransport transport) implements ExtensionContext.Store.CloseableResource {
        @Override
        public void close() {
            transport.close();
        }
    }
}
