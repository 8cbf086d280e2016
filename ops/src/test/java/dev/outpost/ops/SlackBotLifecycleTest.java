package dev.outpost.ops;

import static org.awaitility.Awaitility.await;

import dev.outpost.ShutdownResult;
import dev.outpost.testkit.LifecycleContract;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;

/**
 * The Slack front end against the lifecycle contract, each bot on its own Socket Mode stand-in on
 * 127.0.0.1; its user code is the fleet behind the router. Bolt's and the SDK's executors must
 * come from the builder's factory and end at close.
 */
class SlackBotLifecycleTest extends LifecycleContract<SlackBot> {
    final AtomicReference<Error> throwNext = new AtomicReference<>();
    final Map<SlackBot, SlackStandIn> stands = new ConcurrentHashMap<>();
    final AtomicInteger events = new AtomicInteger();

    @Override
    protected SlackBot create(ThreadFactory threads) throws Exception {
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
        CommandRouter router = CommandRouter.builder(fleet).access(new Access(Set.of("U1"), Set.of("C1"), Set.of())).build();
        SlackStandIn slack = new SlackStandIn();
        SlackBot bot = SlackBot.builder(router).appToken("xapp-1-A1-1234-stand-in-app").botToken("xoxb-1234-5678-stand-in-bot")
                .apiUrl(slack.apiUrl()).threadFactory(threads).build();
        stands.put(bot, slack);
        return bot;
    }

    @AfterEach
    void closeStandIns() throws Exception {
        for (SlackStandIn s : stands.values()) {
            s.close();
        }
    }

    @Override
    protected void start(SlackBot bot) {
        bot.start();
    }

    @Override
    protected CompletableFuture<ShutdownResult> shutdown(SlackBot bot) {
        return bot.shutdown();
    }

    private void say(SlackBot bot, String text) {
        SlackStandIn slack = stands.get(bot);
        await().atMost(Duration.ofSeconds(20)).until(slack::connected);
        int n = events.incrementAndGet();
        slack.sendMessage("env-" + n, "Ev" + n, "U1", "C1", text);
    }

    @Override
    protected boolean provokeUserError(SlackBot bot, Error error) {
        // the router answers it as a failed command, as it does any exception of the fleet's
        String answer = "The command failed: " + error.getClass().getSimpleName();
        long seen = stands.get(bot).posts.stream().filter(p -> answer.equals(p.form().get("text"))).count();
        throwNext.set(error);
        say(bot, "list servers");
        await().atMost(Duration.ofSeconds(20)).until(() -> stands.get(bot).posts.stream()
                .filter(p -> answer.equals(p.form().get("text"))).count() > seen);
        return true;
    }

    @Override
    protected void assertWorks(SlackBot bot) {
        long before = bot.answered();
        say(bot, "list servers");
        await().atMost(Duration.ofSeconds(20)).until(() -> bot.answered() > before
                && stands.get(bot).posts.stream().anyMatch(p -> "1 server\n  web-1 [web]".equals(p.form().get("text"))));
    }
}
