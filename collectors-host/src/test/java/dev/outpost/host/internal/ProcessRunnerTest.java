package dev.outpost.host.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A process is never left running when its run cannot go on. */
class ProcessRunnerTest {
    @TempDir
    Path tmp;

    @Test
    void aProcessWhoseSecondReaderFindsNoThreadIsKilledAndItsFirstReaderEnds() throws Exception {
        List<Thread> made = new CopyOnWriteArrayList<>();
        AtomicInteger asked = new AtomicInteger();
        ThreadFactory secondFails = r -> {
            if (asked.incrementAndGet() == 2) {
                throw new IllegalStateException("no thread (test)");
            }
            Thread t = new Thread(r);
            t.setDaemon(true);
            made.add(t);
            return t;
        };
        Set<Long> before = ProcessHandle.current().children().map(ProcessHandle::pid).collect(Collectors.toSet());

        assertThatThrownBy(() -> ProcessRunner.run(List.of("sleep", "60"), Map.of("PATH", "/usr/bin:/bin"), tmp,
                Duration.ofMinutes(5), 1024, java.util.Optional.of(secondFails))).hasMessageContaining("no thread (test)");

        assertThat(ProcessHandle.current().children().filter(h -> !before.contains(h.pid())).filter(ProcessHandle::isAlive)
                .map(h -> h.info().commandLine().orElse("?")).toList()).as("the child is killed and reaped").isEmpty();
        assertThat(made).hasSize(1);
        made.get(0).join(); // its pipe is closed with the child: the reader ends
    }

    @Test
    void aCommandLeadsASessionOfItsOwnAndIsTheWorkersOwnChild() throws Exception {
        org.junit.jupiter.api.Assumptions.assumeTrue(java.nio.file.Files.isExecutable(Path.of("/usr/bin/setsid"))
                && java.nio.file.Files.isReadable(Path.of("/proc/self/stat")), "Linux with setsid(1) only");
        ProcessRunner.Outcome o = ProcessRunner.run(List.of("/bin/sh", "-c", "cat /proc/$$/stat"), Map.of("PATH", "/usr/bin:/bin"),
                tmp, Duration.ofMinutes(1), 4096);

        String stat = o.stdout();
        String[] after = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        long pid = Long.parseLong(stat.substring(0, stat.indexOf(' ')));
        assertThat(Long.parseLong(after[3])).as("session id").isEqualTo(pid);
        assertThat(Long.parseLong(after[2])).as("process group").isEqualTo(pid);
        assertThat(Long.parseLong(after[1])).as("the parent: setsid ran in place, it did not fork").isEqualTo(ProcessHandle.current().pid());
    }

    @Test
    void aRunInterruptedWhileAnEscapedProcessHoldsItsPipesStillClosesTheirEndsHere() throws Exception {
        org.junit.jupiter.api.Assumptions.assumeTrue(java.nio.file.Files.isExecutable(Path.of("/usr/bin/setsid"))
                && java.nio.file.Files.isDirectory(Path.of("/proc/self/fd")), "Linux with setsid(1) only");
        // the command starts a process that leaves its session (so nothing kills it) and keeps stdout and stderr,
        // and ends once that process has said who it is
        String script = "setsid sh -c 'echo $$ > escaped.tmp && mv escaped.tmp escaped.pid && exec sleep 600' &"
                + " until [ -s escaped.pid ]; do sleep 0.01; done";
        Set<Long> before = ProcessHandle.current().children().map(ProcessHandle::pid).collect(Collectors.toSet());
        List<Thread> made = new CopyOnWriteArrayList<>();
        ThreadFactory interruptOnceItEnded = r -> {
            Thread t = new Thread(r);
            t.setDaemon(true);
            made.add(t);
            if (made.size() == 2) {
                // the command has ended (its escaped process lives on): the run is interrupted from here on
                ProcessHandle.current().children().filter(h -> !before.contains(h.pid())).forEach(h -> h.onExit().join());
                Thread.currentThread().interrupt();
            }
            return t;
        };
        long escaped = -1;
        try {
            assertThatThrownBy(() -> ProcessRunner.run(List.of("/bin/sh", "-c", script), Map.of("PATH", "/usr/bin:/bin"), tmp,
                    Duration.ofMinutes(5), 1024, java.util.Optional.of(interruptOnceItEnded)))
                    .isInstanceOf(InterruptedException.class);
            Thread.interrupted();
            escaped = Long.parseLong(java.nio.file.Files.readString(tmp.resolve("escaped.pid")).strip());
            Set<String> itsPipes = Set.of(fd(escaped, "1"), fd(escaped, "2"));
            assertThat(itsPipes).allMatch(p -> p.startsWith("pipe:"));

            List<String> heldHere;
            try (java.util.stream.Stream<Path> fds = java.nio.file.Files.list(Path.of("/proc/self/fd"))) {
                heldHere = fds.map(f -> fd(f)).filter(itsPipes::contains).toList();
            }
            assertThat(heldHere).as("this JVM's ends of the escaped process's stdout and stderr").isEmpty();
        } finally {
            Path pidFile = tmp.resolve("escaped.pid");
            if (escaped < 0 && java.nio.file.Files.exists(pidFile)) {
                escaped = Long.parseLong(java.nio.file.Files.readString(pidFile).strip());
            }
            if (escaped > 0) {
                ProcessHandle.of(escaped).ifPresent(ProcessHandle::destroyForcibly);
            }
        }
        for (Thread t : made) {
            t.join(); // the escaped process is gone with the pipes' other ends: the readers end
        }
    }

    private static String fd(long pid, String fd) {
        return fd(Path.of("/proc", Long.toString(pid), "fd", fd));
    }

    private static String fd(Path link) {
        try {
            return java.nio.file.Files.readSymbolicLink(link).toString();
        } catch (java.io.IOException e) {
            return "gone: " + link; // one closed while the directory was listed
        }
    }
}
