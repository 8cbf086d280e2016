package dev.outpost.ops;

import static org.awaitility.Awaitility.await;

import dev.outpost.Json;
import dev.outpost.ShutdownResult;
import dev.outpost.core.registry.InMemoryRegistry;
import dev.outpost.testkit.LifecycleContract;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicReference;

/** The rules engine against the lifecycle contract; its user code is the notifier. */
class RulesEngineLifecycleTest extends LifecycleContract<RulesEngine> {
    final AtomicReference<Error> throwNext = new AtomicReference<>();
    final FakeFleet fleet = new FakeFleet().add("web-1", List.of("web"), Map.of());

    @Override
    protected RulesEngine create(ThreadFactory threads) {
        Rule notify = new Rule("n", "c", List.of(), Set.of(), Optional.empty(),
                new Rule.Action(Rule.Kind.CALL, "act", "self", Map.of("x", "${result.x}"), "", ""), Optional.empty(),
                Integer.MAX_VALUE, Duration.ofHours(1), false);
        return RulesEngine.builder(fleet).registry(InMemoryRegistry.create()).rule(notify).poll(Duration.ofMillis(20))
                .notifier(m -> {
                    Error e = throwNext.getAndSet(null);
                    if (e != null) {
                        throw e;
                    }
                }).threadFactory(threads).build();
    }

    @Override
    protected void start(RulesEngine e) {
        e.start();
    }

    @Override
    protected CompletableFuture<ShutdownResult> shutdown(RulesEngine e) {
        return e.shutdown();
    }

    @Override
    protected boolean provokeUserError(RulesEngine e, Error error) {
        long failures = e.stats().get("failures");
        throwNext.set(error);
        e.offer(new Observation("web-1", "c", Set.of(), Json.parse("{\"x\":1}")));
        await().atMost(Duration.ofSeconds(10)).until(() -> e.stats().get("failures") > failures);
        return true;
    }

    @Override
    protected void assertWorks(RulesEngine e) {
        int before = fleet.calls.size();
        e.offer(new Observation("web-1", "c", Set.of(), Json.parse("{\"x\":2}")));
        await().atMost(Duration.ofSeconds(10)).until(() -> fleet.calls.size() > before);
    }
}
