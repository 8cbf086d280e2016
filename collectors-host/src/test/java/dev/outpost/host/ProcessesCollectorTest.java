package dev.outpost.host;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.outpost.CollectorException;
import dev.outpost.Request;
import dev.outpost.core.json.JsonSchema;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class ProcessesCollectorTest {
    private final ProcessesCollector collector = new ProcessesCollector();
    private Process child;

    @AfterEach
    void kill() {
        if (child != null) {
            child.destroyForcibly();
        }
    }

    private JsonNode run(Map<String, Object> params) throws Exception {
        return run(params, Map.of("include-arguments", "true"));
    }

    private JsonNode run(Map<String, Object> params, Map<String, String> settings) throws Exception {
        Request r = Request.builder(ProcessesCollector.NAME).params(params).build();
        assertThat(JsonSchema.of(collector.paramsSchema()).violations(r.params())).isEmpty();
        return (JsonNode) collector.collect(r, TestContext.of(settings));
    }

    @Test
    void commandLinesAreLeftOutByDefault() throws Exception {
        child = new ProcessBuilder("/bin/sh", "-c", "sleep 316; true", "sh", "--password=hunter2").start();
        JsonNode p = org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(10))
                .until(() -> find(run(Map.of(), Map.of()), child.pid()), java.util.Objects::nonNull);
        assertThat(p.has("arguments")).isFalse();
        assertThat(run(Map.of(), Map.of()).toString()).doesNotContain("hunter2");
    }

    @Test
    void whenArgumentsAreOnSecretLookingValuesAreMasked() throws Exception {
        child = new ProcessBuilder("/bin/sh", "-c", "sleep 317; true", "sh", "--password=hunter2", "-Daws.access-key=AKIAEXAMPLE",
                "-Dapp.secretKey=s3", "--token", "tok-123", "API_KEY=k-456", "https://bob:pa55@example.com/x", "--port=8080",
                "--verbose").start();
        JsonNode p = org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(10))
                .until(() -> find(run(Map.of()), child.pid()), java.util.Objects::nonNull);
        assertThat(p.get("arguments").toString()).doesNotContain("hunter2", "AKIAEXAMPLE", "s3\"", "tok-123", "k-456", "pa55");
        assertThat(p.get("arguments")).extracting(JsonNode::asText).contains("--password=****", "-Daws.access-key=****",
                "-Dapp.secretKey=****", "--token", "****", "API_KEY=****", "https://bob:****@example.com/x", "--port=8080", "--verbose");
    }

    @Test
    void secretHeadersAndValuesThatStartWithADashAreMaskedToo() throws Exception {
        // curl -H 'Authorization: Bearer …' is the usual way a token reaches a command line;
        // a Basic credential ends in '=', which must not make it look like NAME=VALUE
        child = new ProcessBuilder("/bin/sh", "-c", "sleep 318; true", "sh", "-H", "Authorization: Bearer eyJhbGciOi.tok",
                "-H", "Authorization: Basic Ym9iOmh1bnRlcjI=", "-H", "X-Api-Key: k-789", "--token", "-dashed-secret",
                "-H", "Accept: application/json").start();
        JsonNode p = org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(10))
                .until(() -> find(run(Map.of()), child.pid()), java.util.Objects::nonNull);
        assertThat(p.get("arguments").toString()).doesNotContain("eyJhbGciOi", "Ym9iOmh1bnRlcjI", "k-789", "dashed-secret");
        assertThat(p.get("arguments")).extracting(JsonNode::asText).contains("Authorization: ****", "X-Api-Key: ****",
                "--token", "****", "Accept: application/json");
    }

    @Test
    void aUrlPasswordWithAnAtSignIsMaskedWhole() throws Exception {
        child = new ProcessBuilder("/bin/sh", "-c", "sleep 319; true", "sh", "https://bob:p@ss-w0rd@example.com/x?to=a@b",
                "redis://:s3@cr3t@cache:6379").start();
        JsonNode p = org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(10))
                .until(() -> find(run(Map.of()), child.pid()), java.util.Objects::nonNull);
        assertThat(p.get("arguments").toString()).doesNotContain("ss-w0rd", "cr3t");
        assertThat(p.get("arguments")).extracting(JsonNode::asText).contains("https://bob:****@example.com/x?to=a@b",
                "redis://:****@cache:6379");
    }

    private static JsonNode find(JsonNode result, long pid) {
        for (JsonNode p : result.get("processes")) {
            if (p.get("pid").asLong() == pid) {
                return p;
            }
        }
        return null;
    }

    @Test
    void findsARealChildProcessThenNotAfterItIsKilled() throws Exception {
        child = new ProcessBuilder("sleep", "313").start();
        JsonNode result = run(Map.of("name", "^sleep$", "details", true));
        JsonNode p = find(result, child.pid());
        assertThat(p).as("the child in the list").isNotNull();
        assertThat(p.get("ppid").asLong()).isEqualTo(ProcessHandle.current().pid());
        assertThat(p.get("name").asText()).isEqualTo("sleep");
        assertThat(p.get("user").asText()).isEqualTo(System.getProperty("user.name"));
        assertThat(p.get("arguments").toString()).isEqualTo("[\"sleep\",\"313\"]");
        assertThat(p.get("residentBytes").asLong()).isPositive();
        assertThat(p.get("threads").asInt()).isPositive();
        assertThat(p.get("openFiles").asInt()).isGreaterThanOrEqualTo(3);
        assertThat(p.get("hidden").isArray()).isTrue();
        assertThat(result.get("total").asInt()).isGreaterThan(result.get("returned").asInt() - 1);

        child.destroyForcibly();
        assertThat(child.waitFor(10, TimeUnit.SECONDS)).isTrue();
        assertThat(find(run(Map.of("name", "^sleep$")), child.pid())).as("gone after kill -9").isNull();
    }

    @Test
    void whatThePlatformHidesIsNullAndNamedInHidden() throws Exception {
        // a zombie: the shell's child exits and the shell, exec'd into sleep, never reaps it;
        // Linux then shows no executable and no command line for it
        child = new ProcessBuilder("/bin/sh", "-c", "/bin/true & exec sleep 313").start();
        JsonNode zombie = org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(10)).until(() -> {
            for (JsonNode p : run(Map.of()).get("processes")) {
                if (p.get("ppid").asLong() == child.pid() && p.get("state").asText().equals("zombie")) {
                    return p;
                }
            }
            return null;
        }, java.util.Objects::nonNull);
        assertThat(zombie.get("arguments").isNull()).isTrue();
        assertThat(zombie.get("path").isNull()).isTrue();
        assertThat(zombie.get("hidden").toString()).contains("\"arguments\"", "\"path\"");
        assertThat(zombie.get("name").asText()).isEqualTo("true");
    }

    @Test
    void filtersByUserAndTopNByMemory() throws Exception {
        JsonNode none = run(Map.of("user", "no-such-user-outpost"));
        assertThat(none.get("returned").asInt()).isZero();
        assertThat(none.get("total").asInt()).isPositive();

        JsonNode top = run(Map.of("top", 3, "sortBy", "memory"));
        assertThat(top.get("processes")).hasSize(3);
        long a = top.get("processes").get(0).get("residentBytes").asLong();
        long b = top.get("processes").get(1).get("residentBytes").asLong();
        assertThat(a).isGreaterThanOrEqualTo(b);
        JsonNode self = find(run(Map.of()), ProcessHandle.current().pid());
        assertThat(self).isNotNull();
    }

    @Test
    void settingsCanLeaveCommandLinesOut() throws Exception {
        Request r = Request.builder(ProcessesCollector.NAME).build();
        JsonNode result = (JsonNode) collector.collect(r, TestContext.of(Map.of("include-arguments", "false")));
        assertThat(result.get("processes").get(0).has("arguments")).isFalse();
    }

    @Test
    void badPatternIsAPermanentError() {
        assertThatThrownBy(() -> run(Map.of("name", "([")))
                .isInstanceOfSatisfying(CollectorException.class, e -> {
                    assertThat(e.code()).isEqualTo("bad-params");
                    assertThat(e.isRetryable()).isFalse();
                });
    }

    @Test
    void aPatternThatBacktracksForeverIsRefusedInsteadOfHoldingAThread() {
        // nested quantifiers: on a 15-character process name this runs for hours; a regex ignores interrupts
        String hostile = "(" + ".*".repeat(24) + ")z";
        java.util.concurrent.CompletableFuture<Object> call = java.util.concurrent.CompletableFuture.supplyAsync(() -> {
            try {
                return run(Map.of("name", hostile));
            } catch (Exception e) {
                throw new java.util.concurrent.CompletionException(e);
            }
        }, r -> {
            Thread t = new Thread(r, "hostile-regex");
            t.setDaemon(true); // without the bound it spins until the JVM exits
            t.start();
        });
        org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(30)).until(call::isDone);
        assertThatThrownBy(call::join).hasCauseInstanceOf(CollectorException.class)
                .cause().satisfies(e -> {
                    assertThat(((CollectorException) e).code()).isEqualTo("bad-params");
                    assertThat(((CollectorException) e).isRetryable()).isFalse();
                    assertThat(e).hasMessageContaining("name");
                });
        // an ordinary pattern still matches
        assertThat(org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(10))
                .until(() -> run(Map.of("name", "^j.v.$")).get("returned").asInt(), n -> n > 0)).isPositive();
    }
}
