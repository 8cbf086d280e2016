package dev.outpost.ops;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PipedInputStream;
import java.io.PipedOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConsoleTest {
    final FakeFleet fleet = new FakeFleet().add("web-1", List.of("web"), Map.of()).add("db-1", List.of("db"), Map.of());
    final CommandRouter router = CommandRouter.builder(fleet)
            .access(new Access(Set.of("op"), Set.of("console"), Set.of("disk.usage"))).build();

    @Test
    void pipedInputIsAnsweredLineByLineUntilItEnds() throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        String script = "list servers\r\n\nlst servers\nrun disk.usage on tag:db with path=/\n";
        try (Console c = Console.builder(router).user("op").lineEditing(false)
                .input(new ByteArrayInputStream(script.getBytes(StandardCharsets.UTF_8))).output(out).build()) {
            c.start();
            c.done().get(10, java.util.concurrent.TimeUnit.SECONDS);
            assertThat(c.commands()).isEqualTo(3);
        }
        assertThat(out.toString(StandardCharsets.UTF_8)).isEqualTo("2 servers\n  web-1 [web]\n  db-1 [db]\n"
                + "unknown command 'lst servers'; did you mean: list servers?\n"
                + "db-1 ok: {\"path\":\"/\"}\n");
    }

    @Test
    void anInteractivePipeIsAnsweredAsItComesAndQuitEndsIt() throws Exception {
        PipedOutputStream keyboard = new PipedOutputStream();
        PipedInputStream in = new PipedInputStream(keyboard, 1 << 16);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (Console c = Console.builder(router).user("op").lineEditing(false).input(in).output(out).build().start()) {
            keyboard.write("servers with tag web\n".getBytes(StandardCharsets.UTF_8));
            keyboard.flush();
            await().atMost(Duration.ofSeconds(10)).until(() -> out.toString(StandardCharsets.UTF_8).contains("web-1"));
            assertThat(c.done()).isNotDone();
            keyboard.write("quit\nlist servers\n".getBytes(StandardCharsets.UTF_8));
            keyboard.flush();
            c.done().get(10, java.util.concurrent.TimeUnit.SECONDS);
            assertThat(c.commands()).isEqualTo(1);
        }
    }

    @Test
    void quitAndExitAreCaseInsensitiveLikeEveryCommandWord() throws Exception {
        // "QUIT" was answered "unknown command 'QUIT'" and the console read on
        for (String quit : List.of("QUIT", " Exit ", "/quit", "!EXIT")) {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            String script = quit + "\nlist servers\n";
            try (Console c = Console.builder(router).user("op").lineEditing(false)
                    .input(new ByteArrayInputStream(script.getBytes(StandardCharsets.UTF_8))).output(out).build()) {
                c.start();
                c.done().get(10, java.util.concurrent.TimeUnit.SECONDS);
                assertThat(c.commands()).as(quit).isZero();
            }
            assertThat(out.toString(StandardCharsets.UTF_8)).as(quit).isEmpty();
        }
    }

    @Test
    void aStrangerIsRefused() throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (Console c = Console.builder(router).user("mallory").lineEditing(false)
                .input(new ByteArrayInputStream("list servers\n".getBytes(StandardCharsets.UTF_8))).output(out).build().start()) {
            c.done().get(10, java.util.concurrent.TimeUnit.SECONDS);
        }
        assertThat(out.toString(StandardCharsets.UTF_8)).isEqualTo("You are not allowed to use this bot here.\n");
    }

    @Test
    void lineEditingKeepsItsHistoryInAnOwnerOnlyFile(@TempDir Path dir) throws Exception {
        Path history = dir.resolve("sub/history");
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (Console c = Console.builder(router).user("op").lineEditing(true).history(history)
                .input(new ByteArrayInputStream("list servers\nhealth\nquit\n".getBytes(StandardCharsets.UTF_8)))
                .output(out).build()) {
            assertThat(history).as("nothing is created before start").doesNotExist();
            c.start();
            c.done().get(10, java.util.concurrent.TimeUnit.SECONDS);
        }
        assertThat(out.toString(StandardCharsets.UTF_8)).contains("2 servers", "servers: 2");
        assertThat(history).exists();
        assertThat(Files.readString(history)).contains("list servers", "health");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(history))).isEqualTo("rw-------");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(history.getParent()))).isEqualTo("rwx------");
    }

    @Test
    void startTwiceIsRefusedAndShutdownIsIdempotent() throws Exception {
        PipedInputStream in = new PipedInputStream(new PipedOutputStream());
        Console c = Console.builder(router).lineEditing(false).input(in).output(new ByteArrayOutputStream()).build();
        c.start();
        assertThatThrownBy(c::start).isInstanceOf(IllegalStateException.class);
        var f = c.shutdown();
        assertThat(c.shutdown()).isSameAs(f);
        assertThat(f.get(10, java.util.concurrent.TimeUnit.SECONDS).clean()).isTrue();
    }
}
