package dev.outpost.ops;

import com.slack.api.Slack;
import com.slack.api.SlackConfig;
import com.slack.api.bolt.App;
import com.slack.api.bolt.AppConfig;
import com.slack.api.bolt.socket_mode.SocketModeApp;
import com.slack.api.methods.MethodsClient;
import com.slack.api.model.event.AppMentionEvent;
import com.slack.api.model.event.MessageEvent;
import com.slack.api.socket_mode.SocketModeClient;
import com.slack.api.util.thread.ExecutorServiceProvider;
import dev.outpost.ConfigException;
import dev.outpost.ShutdownResult;
import dev.outpost.core.lifecycle.Lifecycle;
import dev.outpost.core.lifecycle.OwnedThreads;
import dev.outpost.spi.ConfigSource;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The bot in Slack, in Socket Mode (Bolt for Java): it dials out to Slack over a WebSocket, so
 * nothing listens. Each message or mention is answered by the {@link CommandRouter} as
 * {@code Caller(user, channel)}: short replies as a message, longer ones (over
 * {@code outpost.ops.slack.message-max-chars}) as a file upload. A message Slack delivers again
 * (after a reconnect or a retry), or delivers both as a message and as a mention, is recognised by
 * its channel and timestamp and answered once. Direct messages, mentions and messages starting with
 * {@code !} or {@code /} are always answered (a refusal or a hint included); other messages in a
 * channel only when they read as a command, so conversation in the bot's channel goes unanswered.
 *
 * <p>Keys: {@code outpost.ops.slack.app-token} ({@code xapp-…}, secret),
 * {@code outpost.ops.slack.bot-token} ({@code xoxb-…}, secret), {@code outpost.ops.slack.api-url}
 * (default {@code https://slack.com/api/}), {@code outpost.ops.slack.message-max-chars} (default
 * 3000). The connection is made in {@link #start()}, never in {@code build()}.
 *
 * <p>Threads: every executor of Bolt and the Slack SDK (the message processor, the session
 * monitor, the session cleaner) is made from the builder's {@link Builder#threadFactory thread
 * factory}, through the SDK's {@code ExecutorServiceProvider}, and so are the bot's own four answering
 * threads (an event is acknowledged at once and answered on them; at most 1000 wait). Two libraries below them take no
 * thread factory: the Tyrus WebSocket client (its Grizzly selector and workers) and OkHttp (its
 * connection-pool cleaner). {@link #shutdown()} stops them by closing the socket-mode client
 * and the SDK's HTTP client, and stops every executor the factory made.
 */
public final class SlackBot implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(SlackBot.class);
    private static final int SEEN = 10_000;
    /** Messages answered at once, and waiting to be: beyond them a message is refused (counted as a failure). */
    private static final int ANSWER_THREADS = 4;
    private static final int ANSWER_QUEUE = 1_000;
    /** How Bolt words a failed {@code auth.test}, whatever failed: the token, or reaching Slack at all. */
    private static final java.util.regex.Pattern BOLT_AUTH_FAILED = java.util.regex.Pattern.compile(
            "The token is invalid \\((?:[a-z.]{1,40} )?error: (.*)\\)", java.util.regex.Pattern.DOTALL);
    /** A mention of the bot opening a message ({@code <@U123>} or {@code <@U123|name>}), in Slack's own markup. */
    private static final java.util.regex.Pattern LEADING_MENTION = java.util.regex.Pattern.compile("\\s*<@([A-Z0-9]{1,32})(?:\\|[^>]{0,80})?>\\s*");

    private final CommandRouter router;
    private final String appToken;
    private final String botToken;
    private final String apiUrl;
    private final int messageMaxChars;
    private final Lifecycle lifecycle;
    private final Set<String> seen = Collections.newSetFromMap(new LinkedHashMap<>(16, 0.75f, false) {
        private static final long serialVersionUID = 1L;

        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Boolean> eldest) {
            return size() > SEEN;
        }
    });
    private final AtomicLong answered = new AtomicLong();
    private final AtomicLong duplicates = new AtomicLong();
    private final AtomicLong failures = new AtomicLong();
    private final AtomicLong ignored = new AtomicLong();
    private final List<ExecutorService> executors = new CopyOnWriteArrayList<>();
    private volatile ExecutorService answers;
    private volatile SocketModeApp socket;
    private volatile Slack slack;

    private SlackBot(Builder b) {
        router = b.router;
        appToken = b.appToken;
        botToken = b.botToken;
        apiUrl = b.apiUrl.endsWith("/") ? b.apiUrl : b.apiUrl + "/";
        messageMaxChars = b.messageMaxChars;
        lifecycle = new Lifecycle("outpost-ops-slack", new OwnedThreads("ops-slack", Optional.ofNullable(b.threads), true));
    }

    /** A Slack front end for {@code router}. */
    public static Builder builder(CommandRouter router) {
        return new Builder(router);
    }

    /** Commands answered. */
    public long answered() {
        return answered.get();
    }

    /** Deliveries of an event already answered, skipped. */
    public long duplicates() {
        return duplicates.get();
    }

    /** Channel messages not addressed to the bot that do not read as a command: left unanswered. */
    public long ignored() {
        return ignored.get();
    }

    /** Replies that could not be sent, and handler failures. */
    public long failures() {
        return failures.get();
    }

    /**
     * Connects to Slack (apps.connections.open, then the WebSocket) and starts answering.
     *
     * @throws IllegalStateException when started before
     * @throws SlackUnavailableException when Slack cannot be reached
     * @throws ConfigException naming {@code outpost.ops.slack.bot-token} when Slack refuses the bot token
     */
    public SlackBot start() {
        lifecycle.start();
        SlackConfig sc = new SlackConfig();
        sc.setMethodsEndpointUrlPrefix(apiUrl);
        sc.setPrettyResponseLoggingEnabled(false);
        ExecutorServiceProvider provider = new OwnedExecutors();
        sc.setExecutorServiceProvider(provider);
        sc.synchronizeExecutorServiceProviders();
        slack = Slack.getInstance(sc);
        // answered off Bolt's thread, so Slack's event is acknowledged at once (it wants that within 3 s, and
        // delivers the event again without it) while a command waits for its hosts up to the call timeout
        answers = new java.util.concurrent.ThreadPoolExecutor(ANSWER_THREADS, ANSWER_THREADS, 0, TimeUnit.MILLISECONDS,
                new java.util.concurrent.ArrayBlockingQueue<>(ANSWER_QUEUE), lifecycle.role("answers"));
        executors.add(answers);
        App app = new App(AppConfig.builder().slack(slack).executorServiceProvider(provider).singleTeamBotToken(botToken).build());
        app.event(MessageEvent.class, (req, ctx) -> {
            MessageEvent e = req.getEvent();
            if (e.getBotId() == null && e.getSubtype() == null && e.getUser() != null) {
                later(() -> handle(messageKey(req.getEventId(), e.getChannel(), e.getTs()), e.getUser(), e.getChannel(),
                        e.getThreadTs(), e.getText(), "im".equals(e.getChannelType()), ctx.getBotUserId(), ctx.client()));
            }
            return ctx.ack();
        });
        app.event(AppMentionEvent.class, (req, ctx) -> {
            AppMentionEvent e = req.getEvent();
            if (e.getBotId() == null && e.getUser() != null) {
                later(() -> handle(messageKey(req.getEventId(), e.getChannel(), e.getTs()), e.getUser(), e.getChannel(),
                        e.getThreadTs(), e.getText(), true, ctx.getBotUserId(), ctx.client()));
            }
            return ctx.ack();
        });
        try {
            socket = new SocketModeApp(appToken, SocketModeClient.Backend.Tyrus, app);
            socket.startAsync();
        } catch (Exception e) {
            throw startFailure(e);
        }
        return this;
    }

    /**
     * Bolt words every failed {@code auth.test} "The token is invalid (error: …)" or "(auth.test error: …)", a
     * connection refused included: only
     * a Slack error code ({@code invalid_auth}) is about the token (auth.test is made with the bot token), but one
     * saying Slack is unwell ({@code service_unavailable}); anything else says Slack was out of reach.
     */
    /** Error codes Slack answers when it is unwell, not the token: starting again later may succeed. */
    private static final java.util.Set<String> SLACK_DOWN = java.util.Set.of("service_unavailable", "fatal_error",
            "internal_error", "request_timeout", "ratelimited");

    private RuntimeException startFailure(Exception e) {
        String m = String.valueOf(e.getMessage());
        java.util.regex.Matcher sdk = BOLT_AUTH_FAILED.matcher(m);
        if (sdk.matches() && sdk.group(1).matches("[a-z_]{1,64}") && !SLACK_DOWN.contains(sdk.group(1))) {
            return new ConfigException(List.of(new ConfigException.Problem("outpost.ops.slack.bot-token",
                    "was refused by Slack at " + withoutUserInfo(apiUrl) + " (" + sdk.group(1) + ")")));
        }
        String reason = sdk.matches() ? "Slack did not answer (" + sdk.group(1) + ")" : m;
        return new SlackUnavailableException("could not connect to Slack at " + withoutUserInfo(apiUrl) + ": " + reason, e);
    }

    /** Answers on the bot's own threads; a message beyond the queue is counted as a failure, never blocks Bolt. */
    private void later(Runnable answer) {
        try {
            answers.execute(answer);
        } catch (java.util.concurrent.RejectedExecutionException full) {
            failures.incrementAndGet();
            LOG.warn("a Slack message was not answered: {} are waiting already", ANSWER_QUEUE);
        }
    }

    /**
     * What makes a message one: its channel and timestamp. A mention in a channel the app reads
     * arrives twice (a message event and an app_mention event, with different event ids) and a
     * redelivery keeps both; either way it is answered once.
     */
    private static String messageKey(String eventId, String channel, String ts) {
        return channel != null && ts != null ? channel + "/" + ts : eventId;
    }

    /**
     * Answers one message. A message addressed to the bot (a mention, a leading {@code !} or
     * {@code /}, or any direct message) always gets an answer, a refusal or a hint included; other
     * channel messages only when they read as a command, so people talking in the bot's channel
     * are not answered "unknown command" or "not allowed" line after line. A question asked in a
     * thread is answered in that thread.
     */
    private void handle(String key, String user, String channel, String threadTs, String rawText, boolean addressed,
            String botUserId, MethodsClient client) {
        try {
            String text = rawText == null ? "" : rawText;
            java.util.regex.Matcher mention = LEADING_MENTION.matcher(text); // Slack's own markup: before unescaping
            // the bot's own mention (any, when Slack did not say who the bot is): "@alice, is web-1 slow?" is chatter
            if (mention.lookingAt() && (botUserId == null || botUserId.equals(mention.group(1)))) {
                text = text.substring(mention.end());
                addressed = true;
            }
            text = unescape(text);
            if (!addressed && !text.startsWith("!") && !text.startsWith("/") && !readsAsCommand(text)) {
                ignored.incrementAndGet();
                return;
            }
            // only a message answered uses up its key: the app_mention of one left unanswered as a message must get through
            if (key != null) {
                synchronized (seen) {
                    if (!seen.add(key)) {
                        duplicates.incrementAndGet();
                        return;
                    }
                }
            }
            Reply r = router.handle(new Caller(user, channel == null ? "" : channel), text);
            answered.incrementAndGet();
            String escaped = escape(r.text()); // the limit is on what Slack receives: escaping lengthens it
            if (escaped.length() <= messageMaxChars) {
                var resp = client.chatPostMessage(m -> m.channel(channel).threadTs(threadTs).text(escaped));
                if (!resp.isOk()) {
                    failures.incrementAndGet();
                    LOG.warn("chat.postMessage failed: {}", resp.getError());
                }
            } else {
                var resp = client.filesUploadV2(f -> f.channel(channel).threadTs(threadTs).content(r.text()).filename("reply.txt")
                        .title("reply").initialComment("The answer is long: see the file."));
                if (!resp.isOk()) {
                    failures.incrementAndGet();
                    LOG.warn("file upload failed: {}", resp.getError());
                }
            }
        } catch (Throwable e) { // one bad event never stops the bot
            failures.incrementAndGet();
            LOG.warn("answering a Slack message failed", e);
        }
    }

    private static boolean readsAsCommand(String text) {
        try {
            // "help me with the deploy" is a person asking the channel, not "help" about a command there is none of
            return !(CommandParser.parse(text) instanceof Command.Help h)
                    || h.topic().isEmpty() || CommandParser.USAGE.containsKey(h.topic().get());
        } catch (CommandException notACommand) {
            return false;
        }
    }

    /**
     * A message's text with {@code &}, {@code <} and {@code >} escaped as Slack asks: unescaped,
     * {@code <!channel>} from a host's answer or an echoed command pings everyone and
     * {@code <http://x|y>} shows a disguised link. (A file's content is plain text: not escaped.)
     */
    private static String escape(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
    }

    /** Slack escapes &amp;, &lt; and &gt; in message text. */
    private static String unescape(String s) {
        return s.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&");
    }

    /**
     * {@code url} with what lies between its scheme and its last {@code @} masked: a proxy's
     * user-info is a secret, and an unencoded {@code /} or {@code @} in it must not show a part.
     */
    private static String withoutUserInfo(String url) {
        int authority = url.indexOf("://") + 3;
        int at = url.lastIndexOf('@');
        return authority >= 3 && at >= authority ? url.substring(0, authority) + "****" + url.substring(at) : url;
    }

    /** Closes the connection; idempotent, the same future every call. */
    public CompletableFuture<ShutdownResult> shutdown() {
        return lifecycle.shutdown(Duration.ofSeconds(10), true, () -> {
            SocketModeApp s = socket;
            if (s != null) {
                try {
                    s.close(); // the WebSocket session and Tyrus's client container
                } catch (Exception e) {
                    LOG.debug("closing the Slack connection", e);
                }
            }
            Slack api = slack;
            if (api != null) {
                try {
                    api.close(); // OkHttp's dispatcher and connection pool
                } catch (Exception e) {
                    LOG.debug("closing the Slack API client", e);
                }
            }
            executors.forEach(ExecutorService::shutdownNow);
        });
    }

    /** The SDK's executors, every thread from the builder's factory, stopped at shutdown. */
    private final class OwnedExecutors implements ExecutorServiceProvider {

        /** Threads of one SDK executor: from the builder's factory, counted by the lifecycle and awaited at shutdown. */
        private ThreadFactory named(String group) {
            return lifecycle.role(group);
        }

        @Override
        public ExecutorService createThreadPoolExecutor(String group, int size) {
            ExecutorService e = Executors.newFixedThreadPool(Math.max(1, size), named(group));
            executors.add(e);
            return e;
        }

        @Override
        public ScheduledExecutorService createThreadScheduledExecutor(String group) {
            ScheduledExecutorService e = Executors.newSingleThreadScheduledExecutor(named(group));
            executors.add(e);
            return e;
        }
    }

    /** {@link #shutdown()} and wait. */
    @Override
    public void close() {
        try {
            shutdown().get(15, TimeUnit.SECONDS);
        } catch (Exception e) {
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** Builds a {@link SlackBot}. */
    public static final class Builder {
        private final CommandRouter router;
        private String appToken;
        private String botToken;
        private String apiUrl;
        private Integer messageMaxChars;
        private ThreadFactory threads; // empty: Outpost's named threads
        private ConfigSource config;

        private Builder(CommandRouter router) {
            this.router = Objects.requireNonNull(router, "router");
        }

        /** The app-level token ({@code xapp-…}) that opens Socket Mode connections. */
        public Builder appToken(String token) {
            this.appToken = Objects.requireNonNull(token, "token");
            return this;
        }

        /** The bot token ({@code xoxb-…}) that posts replies. */
        public Builder botToken(String token) {
            this.botToken = Objects.requireNonNull(token, "token");
            return this;
        }

        /** The Web API's base URL (default {@code https://slack.com/api/}). */
        public Builder apiUrl(String url) {
            this.apiUrl = Objects.requireNonNull(url, "url");
            return this;
        }

        /** Replies longer than this go as a file (default 3000). */
        public Builder messageMaxChars(int chars) {
            this.messageMaxChars = chars;
            return this;
        }

        /** Makes the threads of Bolt's and the Slack SDK's executors (Tyrus and OkHttp take none: see the class). */
        public Builder threadFactory(ThreadFactory threads) {
            this.threads = Objects.requireNonNull(threads, "threads");
            return this;
        }

        /** Binds {@code outpost.ops.slack.*}. */
        public Builder configure(ConfigSource config) {
            this.config = Objects.requireNonNull(config, "config");
            return this;
        }

        /** @throws ConfigException naming every bad key (never a token's value) */
        public SlackBot build() {
            List<ConfigException.Problem> problems = new ArrayList<>();
            if (config != null) {
                if (appToken == null) {
                    appToken = config.string("outpost.ops.slack.app-token").filter(s -> !s.isBlank()).orElse(null);
                }
                if (botToken == null) {
                    botToken = config.string("outpost.ops.slack.bot-token").filter(s -> !s.isBlank()).orElse(null);
                }
                if (apiUrl == null) {
                    apiUrl = config.string("outpost.ops.slack.api-url").filter(s -> !s.isBlank()).orElse(null);
                }
                try {
                    if (messageMaxChars == null) {
                        messageMaxChars = config.intValue("outpost.ops.slack.message-max-chars").orElse(null);
                    }
                } catch (ConfigException e) {
                    problems.addAll(e.problems());
                }
            }
            apiUrl = apiUrl != null ? apiUrl : "https://slack.com/api/";
            messageMaxChars = messageMaxChars != null ? messageMaxChars : 3000;
            if (appToken == null) {
                problems.add(new ConfigException.Problem("outpost.ops.slack.app-token", "is required but not set"));
            }
            if (botToken == null) {
                problems.add(new ConfigException.Problem("outpost.ops.slack.bot-token", "is required but not set"));
            }
            if (!apiUrl.startsWith("https://") && !loopbackHttp(apiUrl)) {
                problems.add(new ConfigException.Problem("outpost.ops.slack.api-url",
                        "must be https:// (plain http only on loopback), was " + withoutUserInfo(apiUrl)));
            }
            if (messageMaxChars < 1 || messageMaxChars > 40_000) {
                problems.add(new ConfigException.Problem("outpost.ops.slack.message-max-chars",
                        "must be 1 to 40000, was " + messageMaxChars));
            }
            if (!problems.isEmpty()) {
                throw new ConfigException(problems);
            }
            return new SlackBot(this);
        }

        /** Plain http to this machine: the host itself, not a name or user-info that merely starts like it. */
        private static boolean loopbackHttp(String url) {
            java.net.URI u;
            try {
                u = new java.net.URI(url);
            } catch (java.net.URISyntaxException e) {
                return false;
            }
            return "http".equals(u.getScheme()) && u.getRawUserInfo() == null && u.getHost() != null
                    && Set.of("127.0.0.1", "[::1]", "localhost").contains(u.getHost().toLowerCase(java.util.Locale.ROOT));
        }
    }
}
