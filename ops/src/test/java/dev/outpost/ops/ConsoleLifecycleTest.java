package dev.outpost.ops;

import static org.awaitility.Awaitility.await;

import dev.outpost.ShutdownResult;
import dev.outpost.testkit.LifecycleContract;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PipedInputStream;
import java.io.PipedOutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicReference;

/** The console against the lifecycle contract; its user code is the fleet behind the router. */
class ConsoleLifecycleTest extends LifecycleContract<Console> {
    final AtomicReference<Error> throwNext = new AtomicReference<>();
    final Map<Console, PipedOutputStream> keyboards = new HashMap<>();
    final Map<Console, ByteArrayOutputStream> screens = new HashMap<>();

    @Override
    protected Console create(ThreadFactory threads) throws IOException {
        FakeFleet fleet = new FakeFleet() {
            @Override
            public List<Server> servers() {
                Error e = throwNext.getAndSet(null);
                if (e != null) {
                    throw e;
                }
                return super.servers();
            }
        }.add("web-1", List.of("web"), Map.of());
        CommandRouter router = CommandRouter.builder(fleet).access(new Access(Set.of("op"), Set.of("console"), Set.of())).build();
        PipedOutputStream keyboard = new PipedOutputStream();
        ByteArrayOutputStream screen = new ByteArrayOutputStream();
        Console c = Console.builder(router).user("op").lineEditing(false).input(new PipedInputStream(keyboard, 1 << 16))
                .output(screen).threadFactory(threads).build();
        keyboards.put(c, keyboard);
        screens.put(c, screen);
        return c;
    }

    @Override
    protected void start(Console c) {
        c.start();
    }

    @Override
    protected CompletableFuture<ShutdownResult> shutdown(Console c) {
        return c.shutdown();
    }

    private void type(Console c, String line) {
        try {
            keyboards.get(c).write((line + "\n").getBytes(StandardCharsets.UTF_8));
            keyboards.get(c).flush();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    protected boolean provokeUserError(Console c, Error error) {
        // the router answers it as a failed command, as it does any exception of the fleet's
        String answer = "The command failed: " + error.getClass().getSimpleName() + "\n";
        int seen = screens.get(c).toString(StandardCharsets.UTF_8).split(answer, -1).length;
        throwNext.set(error);
        type(c, "list servers");
        await().atMost(Duration.ofSeconds(10)).until(() -> screens.get(c).toString(StandardCharsets.UTF_8).split(answer, -1).length > seen);
        return true;
    }

    @Override
    protected void assertWorks(Console c) {
        long before = c.commands();
        int seen = count(c);
        type(c, "list servers");
        await().atMost(Duration.ofSeconds(10)).until(() -> c.commands() > before && count(c) > seen);
    }

    private int count(Console c) {
        String s = screens.get(c).toString(StandardCharsets.UTF_8);
        return s.split("1 server\n", -1).length - 1;
    }
}
