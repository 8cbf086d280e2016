package dev.outpost.kv;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.outpost.core.Client;
import dev.outpost.core.config.OutpostConfig;
import dev.outpost.inmemory.InMemoryTransport;
import dev.outpost.kv.internal.PollingWatches;
import dev.outpost.spi.RegistryEntry;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/** Keys watched through a broker that stops, stays away for several polls, and comes back on the same store. */
class WatchAcrossBrokerRestartTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String KEY = "svc-write-key-0123456789";

    @TempDir
    Path dir;

    @Test
    void aWatcherIsToldOnceThatItsBrokerIsAwayAndCatchesUpWhenItReturns() throws Exception {
        ListAppender<ILoggingEvent> logged = new ListAppender<>();
        logged.start();
        Logger watchLog = (Logger) LoggerFactory.getLogger(PollingWatches.class);
        watchLog.addAppender(logged);
        List<RegistryEntry> seen = new CopyOnWriteArrayList<>();
        try (InMemoryTransport transport = InMemoryTransport.create();
                SqliteRegistry store = SqliteRegistry.open(dir.resolve("kv.db"));
                Client client = Client.builder(transport).requests("kv-requests").replyTo("kv-replies")
                        .pollWait(Duration.ofMillis(100)).build().start();
                RemoteRegistry kv = RemoteRegistry.builder(client).accessKey("svc", KEY).timeout(Duration.ofSeconds(30)).build();
                // a short timeout: its polls fail quickly while the broker is away
                RemoteRegistry watching = RemoteRegistry.builder(client).timeout(Duration.ofMillis(300))
                        .pollInterval(Duration.ofMillis(20)).build()) {
            RegistryService broker = broker(store, transport).start();
            kv.register("svc/a", JSON.readTree("1"), Optional.empty());
            AutoCloseable watch = watching.watch("svc/", seen::add);
            kv.register("svc/b", JSON.readTree("2"), Optional.empty());
            await().atMost(Duration.ofSeconds(20)).until(() -> seen.stream().anyMatch(e -> e.key().equals("svc/b")));

            broker.close();
            // the watch polls on, unanswered: its requests (two a poll) pile up where no broker reads them
            long before = transport.depth("kv-requests").orElse(0);
            await().atMost(Duration.ofSeconds(60)).until(() -> transport.depth("kv-requests").orElse(0) >= before + 10);
            store.register("svc/c", JSON.readTree("3"), Optional.empty()); // written while the watcher cannot look

            broker = broker(store, transport).start();
            await().atMost(Duration.ofSeconds(30)).until(() -> seen.stream().anyMatch(e -> e.key().equals("svc/c")));
            kv.register("svc/d", JSON.readTree("4"), Optional.empty());
            await().atMost(Duration.ofSeconds(20)).until(() -> seen.stream().anyMatch(e -> e.key().equals("svc/d")));
            watch.close();
            broker.close();

            List<String> warnings = logged.list.stream().filter(e -> e.getLevel().isGreaterOrEqual(Level.WARN))
                    .map(ILoggingEvent::getFormattedMessage).toList();
            assertThat(warnings).as("the outage's start and its end, not one line per failed poll: %s", warnings).hasSize(2);
            assertThat(warnings.get(0)).contains("svc/");
            assertThat(warnings.get(1)).contains("again").containsPattern("\\(([2-9]|\\d\\d+) failed polls\\)");
            assertThat(logged.list).as("no stack traces for an outage").allSatisfy(e -> assertThat(e.getThrowableProxy()).isNull());
        } finally {
            watchLog.detachAppender(logged);
        }
    }

    private static RegistryService broker(SqliteRegistry store, InMemoryTransport transport) {
        return RegistryService.builder(store).namespace("svc", NamespaceAccess.builder().readers("*").writeKey(KEY).build())
                .transport(transport).requests("kv-requests")
                .configure(OutpostConfig.builder().set("outpost.worker.reply-to.allow", "kv-replies")
                        .set("outpost.worker.poll-wait", "100ms").build()).build();
    }
}
