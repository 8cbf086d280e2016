package dev.outpost.kv;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.outpost.Json;
import dev.outpost.core.Client;
import dev.outpost.core.Worker;
import dev.outpost.inmemory.InMemoryTransport;
import dev.outpost.spi.Collector;
import dev.outpost.spi.RegistryException;
import dev.outpost.spi.RegistryKeys;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.atomic.AtomicReference;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** RemoteRegistry as the client of a hostile or broken broker: every bad answer is a typed error, never a loop. */
class HostileBrokerTest {
    private final AtomicReference<String> getAnswer = new AtomicReference<>();
    private final AtomicReference<String> listAnswer = new AtomicReference<>();
    private InMemoryTransport transport;
    private Worker fake;
    private Client client;
    private RemoteRegistry remote;

    @BeforeEach
    void start() {
        transport = InMemoryTransport.create();
        fake = Worker.builder(transport).requests("kv").builtins(false).pollWait(Duration.ofMillis(20))
                .collector(Collector.of("kv.get", (r, c) -> {
                    if (getAnswer.get().startsWith("throw ")) {
                        String[] codeAndMessage = getAnswer.get().substring(6).split(" ", 2);
                        throw dev.outpost.CollectorException.permanent(codeAndMessage[0], codeAndMessage[1]);
                    }
                    return Json.parse(getAnswer.get());
                }))
                .collector(Collector.of("kv.list", (r, c) -> Json.parse(listAnswer.get()
                        .replace("NEXT", RegistryKeys.pageToken(RegistryKeys.pageTokenStart("svc/",
                                r.params().path("pageToken").asText(RegistryKeys.pageToken("svc/"))) + "a")))))
                .build().start();
        client = Client.builder(transport).requests("kv").pollWait(Duration.ofMillis(20)).build().start();
        remote = RemoteRegistry.builder(client).timeout(Duration.ofSeconds(5)).build();
    }

    @AfterEach
    void stop() {
        remote.close();
        client.close();
        fake.close();
        transport.close();
    }

    private static String entry(String key) {
        return "{\"key\":\"" + key + "\",\"value\":1,\"version\":1,\"updatedAt\":\"2026-01-01T00:00:00Z\"}";
    }

    @Test
    void aMalformedEntryIsATypedErrorNotANullPointer() {
        for (String bad : List.of("{\"entry\":{}}", "{\"entry\":{\"key\":\"svc/a\",\"value\":1,\"version\":1,\"updatedAt\":\"soon\"}}",
                "{\"entry\":{\"key\":\"svc/a\",\"version\":0,\"value\":1,\"updatedAt\":\"2026-01-01T00:00:00Z\"}}",
                "{\"entry\":{\"key\":\"svc/a\",\"version\":1,\"updatedAt\":\"2026-01-01T00:00:00Z\"}}")) {
            getAnswer.set(bad);
            assertThatThrownBy(() -> remote.get("svc/a")).as(bad).isInstanceOf(RegistryException.Unavailable.class)
                    .hasMessageContaining("malformed");
        }
    }

    @Test
    void anEntryForAnotherKeyIsRefused() {
        getAnswer.set("{\"entry\":" + entry("cfg/db-password") + "}");
        assertThatThrownBy(() -> remote.get("svc/a")).isInstanceOf(RegistryException.Unavailable.class)
                .hasMessageContaining("cfg/db-password");
    }

    @Test
    void aListingOutsideThePrefixIsRefused() {
        listAnswer.set("{\"entries\":[" + entry("cfg/db-password") + "]}");
        assertThatThrownBy(() -> remote.list("svc/", 10, java.util.Optional.empty())).isInstanceOf(RegistryException.Unavailable.class);
    }

    @Test
    void aPageTokenThatDoesNotMoveOnEndsTheListingWithAnErrorInsteadOfLoopingForever() {
        // every page answers the same entry and a token back to where it started
        listAnswer.set("{\"entries\":[" + entry("svc/a") + "],\"nextPageToken\":\"" + RegistryKeys.pageToken("svc/") + "\"}");
        CompletableFuture<Object> all = CompletableFuture.supplyAsync(() -> remote.list("svc/"), r -> {
            Thread t = new Thread(r, "hostile-listing");
            t.setDaemon(true); // without the check it loops (and grows) until the JVM exits
            t.start();
        });
        Awaitility.await().atMost(Duration.ofSeconds(30)).until(all::isDone);
        assertThatThrownBy(all::join).isInstanceOf(CompletionException.class).hasCauseInstanceOf(RegistryException.Unavailable.class);
    }

    @Test
    void aBrokerWhosePageTokensMoveOnForeverEndsTheListingAfterABoundedNumberOfPages() {
        // each page is empty and its token moves one key further ("svc/a", "svc/aa", ...): well formed, never ending
        listAnswer.set("{\"entries\":[],\"nextPageToken\":\"NEXT\"}");
        assertThatThrownBy(() -> org.junit.jupiter.api.Assertions.assertTimeoutPreemptively(Duration.ofSeconds(60),
                () -> remote.list("svc/"))).isInstanceOf(RegistryException.Unavailable.class)
                .hasMessageContaining("past " + dev.outpost.kv.internal.BrokerAnswers.MAX_LIST_PAGES + " pages");
    }

    @Test
    void theBrokersErrorMessageCannotForgeALogLineOrDriveATerminal() {
        // the exception's message is what an application logs (a fleet member's "cannot write KEY (...)" WARN): the
        // broker's text went in as it came, newline and ESC with it
        for (String code : List.of("unavailable", "forbidden", "invalid-key", "invalid-value")) {
            getAnswer.set("throw " + code + " no\n2026-01-01 ERROR forged line\u001B]0;pwned\u0007\u009B2J");
            assertThatThrownBy(() -> remote.get("svc/a")).as(code).isInstanceOf(RegistryException.class)
                    .satisfies(e -> assertThat(e.getMessage()).as(code).contains("no").contains("forged line")
                            .doesNotContain("\n", "\u001B", "\u0007", "\u009B"));
        }
    }

    @Test
    void wellFormedAnswersStillRead() {
        getAnswer.set("{\"entry\":" + entry("svc/a") + "}");
        assertThat(remote.get("svc/a").orElseThrow().value()).isEqualTo(Json.parse("1"));
        listAnswer.set("{\"entries\":[" + entry("svc/a") + "," + entry("svc/b") + "]}");
        assertThat(remote.list("svc/")).extracting(e -> e.key()).containsExactly("svc/a", "svc/b");
        getAnswer.set("{\"entry\":null}");
        assertThat(remote.get("svc/a")).isEmpty();
    }

}
