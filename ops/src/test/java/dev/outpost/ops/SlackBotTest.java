package dev.outpost.ops;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.outpost.ConfigException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The Slack front end against a stand-in speaking Socket Mode over a real WebSocket on 127.0.0.1. */
class SlackBotTest {
    final FakeFleet fleet = new FakeFleet().add("web-1", List.of("web"), Map.of()).add("db-1", List.of("db"), Map.of());
    final CommandRouter router = CommandRouter.builder(fleet)
            .access(new Access(Set.of("U1"), Set.of("C1"), Set.of("disk.usage"))).build();

    static List<SlackStandIn.Post> posts(SlackStandIn s, String method) {
        return s.posts.stream().filter(p -> p.method().equals(method)).toList();
    }

    @Test
    void aMessageInTheAnswerOutAndAReconnectNeitherLosesNorRepeatsACommand() throws Exception {
        try (SlackStandIn slack = new SlackStandIn();
                SlackBot bot = SlackBot.builder(router).appToken("xapp-1-A1-1234-stand-in-app").botToken("xoxb-1234-5678-stand-in-bot").apiUrl(slack.apiUrl())
                        .build()) {
            assertThat(slack.connectionsOpened).as("nothing before start").hasValue(0);
            bot.start();
            await().atMost(Duration.ofSeconds(20)).until(slack::connected);
            slack.sendMessage("env-1", "Ev1", "U1", "C1", "list servers");
            await().atMost(Duration.ofSeconds(20)).until(() -> posts(slack, "chat.postMessage").size() == 1);
            assertThat(posts(slack, "chat.postMessage").get(0).form()).containsEntry("channel", "C1")
                    .containsEntry("text", "2 servers\n  web-1 [web]\n  db-1 [db]");
            await().atMost(Duration.ofSeconds(20)).until(() -> slack.acks.stream().anyMatch(a -> a.contains("env-1")));

            slack.drop();
            await().atMost(Duration.ofSeconds(60)).until(() -> slack.sockets.get() == 2 && slack.connected());
            assertThat(slack.connectionsOpened.get()).isGreaterThanOrEqualTo(2);
            // Slack redelivers the event answered before the drop, then a new one
            slack.sendMessage("env-2", "Ev1", "U1", "C1", "list servers");
            slack.sendMessage("env-3", "Ev2", "U1", "C1", "servers with tag db");
            await().atMost(Duration.ofSeconds(20)).until(() -> posts(slack, "chat.postMessage").size() == 2
                    && slack.acks.stream().anyMatch(a -> a.contains("env-2")));
            assertThat(posts(slack, "chat.postMessage").get(1).form()).containsEntry("text", "1 server\n  db-1 [db]");
            await().atMost(Duration.ofSeconds(20)).until(() -> bot.duplicates() == 1);
            assertThat(bot.answered()).isEqualTo(2);
            assertThat(posts(slack, "chat.postMessage")).hasSize(2);
        }
    }

    @Test
    void aMentionSeenAsMessageAndMentionIsAnsweredOnceAndChatterInTheChannelNotAtAll() throws Exception {
        try (SlackStandIn slack = new SlackStandIn();
                SlackBot bot = SlackBot.builder(router).appToken("xapp-1-A1-1234-stand-in-app").botToken("xoxb-1234-5678-stand-in-bot")
                        .apiUrl(slack.apiUrl()).build().start()) {
            await().atMost(Duration.ofSeconds(20)).until(slack::connected);
            // people talking in the bot's channel, one of them not on the access list
            slack.sendMessage("env-1", "Ev1", "U1", "C1", "morning all, is web-1 slow for anyone?");
            slack.sendMessage("env-2", "Ev2", "U666", "C1", "lunch?");
            // one mention: Slack sends it as a message and as an app_mention, with different event ids
            slack.sendEvent("env-3", "Ev3", "message", "channel", "U1", "C1", "7.1", "<@UBOT> servers with tag db");
            slack.sendEvent("env-4", "Ev4", "app_mention", "channel", "U1", "C1", "7.1", "<@UBOT> servers with tag db");
            // addressed to the bot: a hint or a refusal is an answer
            slack.sendEvent("env-5", "Ev5", "message", "channel", "U1", "C1", "8.1", "!lst servers");
            slack.sendEvent("env-6", "Ev6", "message", "im", "U666", "D9", "9.1", "list servers");
            // asked in a thread: answered in it
            slack.sendEvent("env-7", "Ev7", "app_mention", "channel", "U1", "C1", "10.2", "10.1", "<@UBOT> servers with tag web");
            await().atMost(Duration.ofSeconds(20)).until(() -> bot.answered() + bot.duplicates() + bot.ignored() == 7);
            await().atMost(Duration.ofSeconds(20)).until(() -> posts(slack, "chat.postMessage").size() == 4);
            assertThat(posts(slack, "chat.postMessage")).filteredOn(p -> "1 server\n  web-1 [web]".equals(p.form().get("text")))
                    .singleElement().satisfies(p -> assertThat(p.form()).containsEntry("thread_ts", "10.1"));
            assertThat(posts(slack, "chat.postMessage")).filteredOn(p -> p.form().containsKey("thread_ts")).hasSize(1);
            assertThat(bot.ignored()).isEqualTo(2);
            assertThat(bot.duplicates()).isEqualTo(1);
            assertThat(posts(slack, "chat.postMessage")).extracting(p -> p.form().get("text")).containsExactlyInAnyOrder(
                    "1 server\n  db-1 [db]", "unknown command 'lst servers'; did you mean: list servers?",
                    "You are not allowed to use this bot here.", "1 server\n  web-1 [web]");
        }
    }

    @Test
    void chatterThatOpensWithHelpIsNotTakenForTheHelpCommand() throws Exception {
        try (SlackStandIn slack = new SlackStandIn();
                SlackBot bot = SlackBot.builder(router).appToken("xapp-1-A1-1234-stand-in-app").botToken("xoxb-1234-5678-stand-in-bot")
                        .apiUrl(slack.apiUrl()).build().start()) {
            await().atMost(Duration.ofSeconds(20)).until(slack::connected);
            // each was answered in the channel "no command '…'; type help", as if asked of the bot
            slack.sendMessage("env-1", "Ev1", "U1", "C1", "help, is anyone around?");
            slack.sendMessage("env-2", "Ev2", "U1", "C1", "Help me with the deploy please");
            slack.sendMessage("env-3", "Ev3", "U1", "C1", "help run");
            await().atMost(Duration.ofSeconds(20)).until(() -> bot.answered() + bot.ignored() == 3);
            assertThat(bot.ignored()).isEqualTo(2);
            await().atMost(Duration.ofSeconds(20)).until(() -> posts(slack, "chat.postMessage").size() == 1);
            assertThat(posts(slack, "chat.postMessage").get(0).form().get("text")).startsWith("usage: run COLLECTOR on SELECTOR");
        }
    }

    @Test
    void aMentionInsideAMessageIsAnsweredWhenItsMessageEventCameFirst() throws Exception {
        try (SlackStandIn slack = new SlackStandIn();
                SlackBot bot = SlackBot.builder(router).appToken("xapp-1-A1-1234-stand-in-app").botToken("xoxb-1234-5678-stand-in-bot")
                        .apiUrl(slack.apiUrl()).build().start()) {
            await().atMost(Duration.ofSeconds(20)).until(slack::connected);
            // not at the start: as a message event it is channel chatter, left unanswered...
            slack.sendEvent("env-1", "Ev1", "message", "channel", "U1", "C1", "7.1", "hey <@UBOT> list servers");
            await().atMost(Duration.ofSeconds(20)).until(() -> bot.ignored() == 1);
            // ...but it is a mention: before, the message event had used up its key and this was dropped as a duplicate
            slack.sendEvent("env-2", "Ev2", "app_mention", "channel", "U1", "C1", "7.1", "hey <@UBOT> list servers");
            await().atMost(Duration.ofSeconds(20)).until(() -> bot.answered() + bot.duplicates() + bot.ignored() == 2);
            assertThat(bot.answered()).isEqualTo(1);
            await().atMost(Duration.ofSeconds(20)).until(() -> posts(slack, "chat.postMessage").size() == 1);
        }
    }

    @Test
    void aMessageOpeningWithAMentionOfSomeoneElseIsChatterNotACommand() throws Exception {
        try (SlackStandIn slack = new SlackStandIn();
                SlackBot bot = SlackBot.builder(router).appToken("xapp-1-A1-1234-stand-in-app").botToken("xoxb-1234-5678-stand-in-bot")
                        .apiUrl(slack.apiUrl()).build().start()) {
            await().atMost(Duration.ofSeconds(20)).until(slack::connected);
            // the stand-in's auth.test says the bot is UBOT; before, any leading mention was taken for the bot's
            slack.sendEvent("env-1", "Ev1", "message", "channel", "U1", "C1", "7.1", "<@U0ALICE> is web-1 slow for you?");
            slack.sendEvent("env-2", "Ev2", "message", "channel", "U1", "C1", "8.1", "<@UBOT> servers with tag db");
            await().atMost(Duration.ofSeconds(20)).until(() -> bot.answered() + bot.duplicates() + bot.ignored() == 2);
            assertThat(bot.ignored()).isEqualTo(1);
            await().atMost(Duration.ofSeconds(20)).until(() -> posts(slack, "chat.postMessage").size() == 1);
            assertThat(posts(slack, "chat.postMessage").get(0).form()).containsEntry("text", "1 server\n  db-1 [db]");
        }
    }

    @Test
    void longAnswersGoAsAFileAndStrangersAreRefused() throws Exception {
        for (int i = 0; i < 50; i++) {
            fleet.add("host-" + i, List.of("t"), Map.of());
        }
        try (SlackStandIn slack = new SlackStandIn();
                SlackBot bot = SlackBot.builder(router).appToken("xapp-1-A1-1234-stand-in-app").botToken("xoxb-1234-5678-stand-in-bot").apiUrl(slack.apiUrl())
                        .messageMaxChars(200).build().start()) {
            await().atMost(Duration.ofSeconds(20)).until(slack::connected);
            slack.sendMessage("env-1", "Ev1", "U1", "C1", "list servers");
            await().atMost(Duration.ofSeconds(20)).until(() -> posts(slack, "files.completeUploadExternal").size() == 1);
            assertThat(slack.uploads).singleElement().asString().contains("52 servers", "host-49");
            assertThat(posts(slack, "chat.postMessage")).isEmpty();

            slack.sendMessage("env-2", "Ev2", "U666", "C1", "list servers");
            await().atMost(Duration.ofSeconds(20)).until(() -> posts(slack, "chat.postMessage").size() == 1);
            assertThat(posts(slack, "chat.postMessage").get(0).form().get("text")).contains("not allowed");
        }
    }

    @Test
    void textFromHostsOrEchoedFromTheUserNeverBecomesASlackMentionOrLink() throws Exception {
        fleet.add("web-9", List.of("<!channel>"), Map.of());
        try (SlackStandIn slack = new SlackStandIn();
                SlackBot bot = SlackBot.builder(router).appToken("xapp-1-A1-1234-stand-in-app").botToken("xoxb-1234-5678-stand-in-bot").apiUrl(slack.apiUrl())
                        .build().start()) {
            await().atMost(Duration.ofSeconds(20)).until(slack::connected);
            slack.sendMessage("env-1", "Ev1", "U1", "C1", "!servers with tag &lt;!channel&gt;"); // addressed: its error is answered
            slack.sendMessage("env-2", "Ev2", "U1", "C1", "list servers");
            await().atMost(Duration.ofSeconds(20)).until(() -> posts(slack, "chat.postMessage").size() == 2);
            // Slack reads <!channel> in a message as a ping of everyone in it, <http://x|y> as a disguised link
            assertThat(posts(slack, "chat.postMessage")).allSatisfy(p -> assertThat(p.form().get("text")).doesNotContain("<", ">"));
            // the two messages are answered concurrently, so their answers may be posted in either order
            assertThat(posts(slack, "chat.postMessage")).map(p -> p.form().get("text"))
                    .anySatisfy(text -> assertThat(text).contains("not a valid tag"))
                    .anySatisfy(text -> assertThat(text).contains("web-9 [&lt;!channel&gt;]"));
        }
    }

    @Test
    void theMessageLimitHoldsForTheEscapedTextSlackReceives() throws Exception {
        FakeFleet hostile = new FakeFleet().add("web-1", List.of("<".repeat(60)), Map.of());
        CommandRouter r = CommandRouter.builder(hostile).access(new Access(Set.of("U1"), Set.of("C1"), Set.of())).build();
        try (SlackStandIn slack = new SlackStandIn();
                SlackBot bot = SlackBot.builder(r).appToken("xapp-1-A1-1234-stand-in-app").botToken("xoxb-1234-5678-stand-in-bot")
                        .apiUrl(slack.apiUrl()).messageMaxChars(100).build().start()) {
            await().atMost(Duration.ofSeconds(20)).until(slack::connected);
            slack.sendMessage("env-1", "Ev1", "U1", "C1", "list servers"); // 80 characters, 320 once escaped
            await().atMost(Duration.ofSeconds(20)).until(() -> bot.answered() == 1
                    && posts(slack, "chat.postMessage").size() + posts(slack, "files.completeUploadExternal").size() == 1);
            assertThat(posts(slack, "chat.postMessage")).allSatisfy(p -> assertThat(p.form().get("text")).hasSizeLessThanOrEqualTo(100));
            assertThat(posts(slack, "files.completeUploadExternal")).hasSize(1);
        }
    }

    @Test
    void anEventIsAcknowledgedAtOnceEvenWhenItsAnswerWaitsForTheHosts() throws Exception {
        // Slack wants an ack within 3 s and delivers the event again without one; a run waits up to the call timeout
        java.util.concurrent.CountDownLatch hostsAnswer = new java.util.concurrent.CountDownLatch(1);
        FakeFleet slow = new FakeFleet() {
            @Override
            public List<HostAnswer> call(String selector, String collector, Map<String, String> params, Duration timeout) {
                try {
                    hostsAnswer.await(30, java.util.concurrent.TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                return super.call(selector, collector, params, timeout);
            }
        }.add("web-1", List.of("web"), Map.of());
        CommandRouter r = CommandRouter.builder(slow).access(new Access(Set.of("U1"), Set.of("C1"), Set.of("disk.usage"))).build();
        try (SlackStandIn slack = new SlackStandIn();
                SlackBot bot = SlackBot.builder(r).appToken("xapp-1-A1-1234-stand-in-app").botToken("xoxb-1234-5678-stand-in-bot")
                        .apiUrl(slack.apiUrl()).build().start()) {
            await().atMost(Duration.ofSeconds(20)).until(slack::connected);
            slack.sendMessage("env-1", "Ev1", "U1", "C1", "run disk.usage on web-1");
            try {
                await().atMost(Duration.ofSeconds(20)).until(() -> slack.acks.stream().anyMatch(a -> a.contains("env-1")));
                assertThat(posts(slack, "chat.postMessage")).as("still waiting for the hosts").isEmpty();
            } finally {
                hostsAnswer.countDown();
            }
            await().atMost(Duration.ofSeconds(20)).until(() -> posts(slack, "chat.postMessage").size() == 1);
            assertThat(posts(slack, "chat.postMessage").get(0).form().get("text")).startsWith("web-1 ok");
        }
    }

    @Test
    void slackOutOfReachIsSaidSoNotBlamedOnTheToken() throws Exception {
        // a port bound and never listened on: refused, and no other process can take it meanwhile (a port closed
        // again could be given to another test's server before the bot dialled it)
        try (java.net.Socket held = new java.net.Socket()) {
            held.bind(new java.net.InetSocketAddress(java.net.InetAddress.getLoopbackAddress(), 0));
            String url = "http://127.0.0.1:" + held.getLocalPort() + "/api/";
            // it said "could not connect to Slack at …: The token is invalid (error: Failed to connect …)": a token to rotate
            try (SlackBot bot = SlackBot.builder(router).appToken("xapp-1-A1-1234-stand-in-app")
                    .botToken("xoxb-1234-5678-stand-in-bot").apiUrl(url).build()) {
                assertThatThrownBy(bot::start).isInstanceOf(SlackUnavailableException.class)
                        .hasMessageStartingWith("could not connect to Slack at " + url + ": ")
                        .hasMessageContaining("Failed to connect").hasMessageNotContaining("token")
                        .hasMessageNotContaining("stand-in");
            }
        }
    }

    @Test
    void slackAnsweringThatItIsDownIsSaidSoNotBlamedOnTheToken() throws Exception {
        for (String error : List.of("service_unavailable", "fatal_error", "internal_error", "request_timeout", "ratelimited")) {
            try (SlackStandIn slack = new SlackStandIn();
                    SlackBot bot = SlackBot.builder(router).appToken("xapp-1-A1-1234-stand-in-app")
                            .botToken("xoxb-1234-5678-stand-in-bot").apiUrl(slack.apiUrl()).build()) {
                slack.refuseTokens = true;
                slack.authTestError = error;
                // before: every Slack error code was "the bot token was refused", a configuration error never retried
                assertThatThrownBy(bot::start).as(error).isInstanceOf(SlackUnavailableException.class)
                        .hasMessageContaining(error).hasMessageNotContaining("stand-in");
            }
        }
    }

    @Test
    void aTokenSlackRefusesIsAConfigurationErrorNamingItsKey() throws Exception {
        try (SlackStandIn slack = new SlackStandIn();
                SlackBot bot = SlackBot.builder(router).appToken("xapp-1-A1-1234-stand-in-app").botToken("xoxb-1234-5678-stand-in-bot")
                        .apiUrl(slack.apiUrl()).build()) {
            slack.refuseTokens = true;
            assertThatThrownBy(bot::start).isInstanceOf(ConfigException.class)
                    .hasMessageContaining("outpost.ops.slack.bot-token").hasMessageContaining("invalid_auth")
                    .hasMessageNotContaining("stand-in");
        }
    }

    @Test
    void plainHttpIsRefusedForAnyHostThatOnlyStartsLikeLoopback() {
        // the bot token goes in every Web API call: in clear, only to this machine
        for (String url : List.of("http://localhost.attacker.example/api/", "http://127.0.0.1.attacker.example/api/",
                "http://127.0.0.1@attacker.example/api/", "http://localhost:80@attacker.example/api/",
                "http://[::1].attacker.example/api/")) {
            assertThatThrownBy(() -> SlackBot.builder(router).appToken("xapp-1").botToken("xoxb-1").apiUrl(url).build())
                    .as(url).isInstanceOf(ConfigException.class).hasMessageContaining("outpost.ops.slack.api-url");
        }
        for (String url : List.of("http://127.0.0.1:8080/api/", "http://localhost/api/", "http://[::1]:9/api/",
                "https://slack.com/api/")) {
            assertThat(SlackBot.builder(router).appToken("xapp-1").botToken("xoxb-1").apiUrl(url).build()).as(url).isNotNull();
        }
    }

    @Test
    void aRefusedApiUrlIsNamedWithoutItsUserInfo() {
        // an api-url is a [url] key: its user-info is masked wherever configuration is shown, so in this error too
        for (String url : List.of("http://ops:hunter2@proxy.example/api/", "http://ops:hun/ter2@proxy.example/api/")) {
            assertThatThrownBy(() -> SlackBot.builder(router).appToken("xapp-1").botToken("xoxb-1").apiUrl(url).build())
                    .as(url).isInstanceOf(ConfigException.class).hasMessageContaining("outpost.ops.slack.api-url")
                    .hasMessageContaining("proxy.example").hasMessageNotContaining("hunter2").hasMessageNotContaining("ter2");
        }
        // https with user-info is accepted, and named again when the connection cannot be opened (nothing listens on port 1)
        SlackBot bot = SlackBot.builder(router).appToken("xapp-1").botToken("xoxb-1").apiUrl("https://ops:hunter2@127.0.0.1:1/api/").build();
        try {
            assertThatThrownBy(bot::start).isInstanceOf(SlackUnavailableException.class).hasMessageContaining("127.0.0.1:1")
                    .hasMessageNotContaining("hunter2");
        } finally {
            bot.close();
        }
    }
}
