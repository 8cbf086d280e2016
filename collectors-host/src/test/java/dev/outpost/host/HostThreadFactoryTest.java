package dev.outpost.host;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.outpost.Json;
import dev.outpost.Request;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ThreadFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Every thread a host collector starts comes from the user's factory when one is given. */
class HostThreadFactoryTest {
    @TempDir
    Path tmp;
    private final List<Thread> made = new CopyOnWriteArrayList<>();
    // threads of other tests' collectors, in the same JVM, are not this test's business
    private final java.util.Set<Thread> before = Thread.getAllStackTraces().keySet();
    private final ThreadFactory counting = r -> {
        Thread t = new Thread(r, "user-" + made.size());
        t.setDaemon(true);
        made.add(t);
        return t;
    };

    @Test
    void commandRunsAndTheRevertThreadUseTheFactory() throws Exception {
        JsonNode none = Json.parse("{\"type\": \"object\", \"additionalProperties\": false}");
        CommandSpec echo = CommandSpec.builder("echo", Path.of("/bin/echo")).args("hi").paramsSchema(none).build();
        Path state = tmp.resolve("state");
        try (CommandCollector c = CommandCollector.builder().command(echo).stateDirectory(state).threadFactory(counting).build()) {
            CommandResult r = (CommandResult) c.collect(Request.builder(CommandCollector.NAME).param("command", "echo").build(),
                    TestContext.empty());
            assertThat(r.stdout()).isEqualTo("hi\n");
            // the revert thread, and the stdout and stderr readers of the run
            assertThat(made).hasSizeGreaterThanOrEqualTo(3);
            assertThat(made).allSatisfy(t -> assertThat(t.getName()).startsWith("user-"));
            assertNoOutpostHostThreadOutsideTheFactory();
        }
    }

    @Test
    void aFileReadOpensOnAThreadOfTheFactory() throws Exception {
        Path file = Files.writeString(tmp.resolve("a.log"), "line\n");
        FileCollector c = new FileCollector(counting);
        JsonNode r = (JsonNode) c.collect(Request.builder(FileCollector.NAME).param("path", file.toString()).build(),
                TestContext.of(Map.of("allow-paths", tmp.toString())));
        assertThat(r.get("content").asText()).isEqualTo("line\n");
        assertThat(made).hasSize(1);
        assertNoOutpostHostThreadOutsideTheFactory();
    }

    private void assertNoOutpostHostThreadOutsideTheFactory() {
        assertThat(Thread.getAllStackTraces().keySet().stream().filter(t -> !made.contains(t) && !before.contains(t))
                .map(Thread::getName).filter(n -> n.startsWith("outpost-host-")).toList()).isEmpty();
    }
}
