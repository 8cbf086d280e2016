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
}
