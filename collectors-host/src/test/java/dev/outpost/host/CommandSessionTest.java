package dev.outpost.host;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.outpost.Request;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Nothing a command starts outlives it: whatever is still in its session when it ends (normally, at the timeout, on an
 * interrupt) is killed, even after it was re-parented to init. The sleeps' lengths mark them for the clean-up.
 */
@Timeout(value = 2, unit = TimeUnit.MINUTES) // a run that waited for its 52-minute sleeps would hang here
class CommandSessionTest {
    private static final String LEFTOVER = ".*(sleep|Z 1 2 3) 313[3-9].*";

    @TempDir
    Path tmp;
    private CommandCollector collector;

    @BeforeAll
    static void linuxOnly() {
        Assumptions.assumeTrue(Files.isReadable(Path.of("/proc/self/stat")) && Files.isExecutable(Path.of("/usr/bin/setsid")),
                "a command's session is killed only where /proc and setsid(1) exist");
    }

    @AfterEach
    void close() {
        if (collector != null) {
            collector.close();
        }
        // a failing run (or the code before the fix) leaves the sleeps behind: not for the next test to find
        ProcessHandle.allProcesses().filter(p -> p.info().commandLine().orElse("").matches(LEFTOVER))
                .forEach(ProcessHandle::destroyForcibly);
    }

    private CommandResult run(CommandSpec spec) throws Exception {
        collector = CommandCollector.builder().command(spec).build();
        return (CommandResult) collector.collect(Request.builder(CommandCollector.NAME).param("command", spec.name()).build(),
                TestContext.empty());
    }

    private static CommandSpec sh(String name, String script, Duration timeout) {
        // the test's own program: the collector never adds a shell
        return CommandSpec.builder(name, Path.of("/bin/sh")).args("-c", script).timeout(timeout).build();
    }

    /** The processes that {@code which} selects, alive and not zombies. */
    private static List<Long> notDead(java.util.function.Predicate<ProcessHandle> which) {
        return ProcessHandle.allProcesses().filter(which).map(ProcessHandle::pid).filter(pid -> !List.of("Z", "gone").contains(state(pid)))
                .toList();
    }

    /** The session id in /proc/PID/stat, or -1. */
    private static long session(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
            return Long.parseLong(stat.substring(stat.lastIndexOf(')') + 2).split(" ")[3]);
        } catch (java.io.IOException | RuntimeException e) {
            return -1;
        }
    }

    /** The state letter in /proc/PID/stat (after the name, which may hold ')'), or "gone". */
    private static String state(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
            return stat.substring(stat.lastIndexOf(')') + 2).split(" ")[0];
        } catch (java.io.IOException e) {
            return "gone";
        }
    }

    private static void assertDies(long pid) {
        assertThat(state(pid)).as("when the answer comes, %d is dead already: a zombie for init to reap at most", pid)
                .isIn("Z", "gone");
        await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(20))
                .until(() -> ProcessHandle.of(pid).map(h -> !h.isAlive()).orElse(true));
    }

    @Test
    void aBackgroundChildDiesWhenTheCommandExitsAndTheExitCodeAndOutputAreTheCommands() throws Exception {
        CommandResult r = run(sh("bg", "sleep 3133 & echo $!; echo to-stderr >&2; exit 7", Duration.ofMinutes(1)));

        assertThat(r.timedOut()).isFalse();
        assertThat(r.exitCode()).isEqualTo(7);
        assertThat(r.stdout()).matches("[0-9]+\n");
        assertThat(r.stderr()).isEqualTo("to-stderr\n");
        long sleep = Long.parseLong(r.stdout().trim());
        assertDies(sleep);
    }

    @Test
    void aDoubleForkedChildDiesWhenTheCommandExits() throws Exception {
        // the subshell exits at once: its sleep is re-parented to init, out of reach of the process tree
        CommandResult r = run(sh("twice", "(sleep 3134 & echo $!) ; echo x", Duration.ofMinutes(1)));

        assertThat(r.exitCode()).isZero();
        assertThat(r.stdout()).matches("[0-9]+\nx\n");
        assertDies(Long.parseLong(r.stdout().lines().findFirst().orElseThrow()));
    }

    @Test
    void aDoubleForkedChildDiesAtTheTimeout() throws Exception {
        CommandResult r = run(sh("hang", "(sleep 3135 & echo $!) ; exec sleep 3136", Duration.ofSeconds(3)));

        assertThat(r.timedOut()).isTrue();
        Assumptions.assumeFalse(r.stdout().isEmpty(), "the shell did not reach its echo within 3 s: the machine is too loaded");
        long sleep = Long.parseLong(r.stdout().lines().findFirst().orElseThrow());
        assertDies(sleep);
        assertThat(ProcessHandle.allProcesses().filter(p -> p.info().commandLine().orElse("").matches(".*sleep 3136.*")).toList())
                .as("the command itself").isEmpty();
    }

    @Test
    void aDoubleForkedChildDiesWhenTheCallerIsInterrupted() throws Exception {
        Path pidFile = tmp.resolve("sleep.pid");
        collector = CommandCollector.builder().command(sh("hang", "(sleep 3137 & echo $! > " + pidFile + ".tmp && mv "
                + pidFile + ".tmp " + pidFile + ") ; exec sleep 3138", Duration.ofMinutes(5))).build();
        CompletableFuture<Object> result = new CompletableFuture<>();
        Thread caller = new Thread(() -> {
            try {
                result.complete(collector.collect(Request.builder(CommandCollector.NAME).param("command", "hang").build(),
                        TestContext.empty()));
            } catch (Throwable t) {
                result.completeExceptionally(t);
            }
        }, "caller");
        caller.start();
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(20)).until(() -> Files.exists(pidFile));
        long sleep = Long.parseLong(Files.readString(pidFile).trim());

        caller.interrupt();

        assertThatThrownBy(() -> result.get(30, TimeUnit.SECONDS)).isInstanceOf(ExecutionException.class)
                .hasCauseInstanceOf(InterruptedException.class);
        assertDies(sleep);
    }

    @Test
    void aChildStillForkingWhenTheCommandExitsDiesWithEverythingItStarted() throws Exception {
        // the subshell is still starting sleeps while the session is killed: later rounds find what earlier ones missed
        CommandResult r = run(sh("burst", "echo $$; (i=0; while [ $i -lt 300 ]; do sleep 3133 & i=$((i+1)); done) & exit 0",
                Duration.ofMinutes(1)));

        assertThat(r.exitCode()).isZero();
        long session = Long.parseLong(r.stdout().trim());
        assertThat(notDead(p -> p.info().command().orElse("").endsWith("/sleep")
                && List.of("3133").equals(List.of(p.info().arguments().orElse(new String[0]))))).as("the sleeps").isEmpty();
        assertThat(notDead(p -> session(p.pid()) == session)).as("anything in the command's session").isEmpty();
    }

    @Test
    void aChildInAProcessGroupOfItsOwnDies() throws Exception {
        Assumptions.assumeTrue(Files.isExecutable(Path.of("/usr/bin/perl")), "perl makes the process group");
        // setpgid(0, 0): a kill of the command's process group would miss it; it is still in the session
        CommandResult r = run(sh("group", "/usr/bin/perl -e 'setpgrp(0, 0); exec \"sleep\", \"3133\"' & echo $!",
                Duration.ofMinutes(1)));

        assertThat(r.exitCode()).isZero();
        assertDies(Long.parseLong(r.stdout().trim()));
    }

    @Test
    void aChildWhoseNameHoldsParenthesesAndSpacesDies() throws Exception {
        // its name in /proc/PID/stat reads "(x) Z 1 2 3)": fields read from the first ')' would call it a zombie
        Path odd = tmp.resolve("x) Z 1 2 3");
        Files.copy(Path.of("/bin/sleep"), odd);
        CommandResult r = run(sh("odd", "'" + odd + "' 3133 & echo $!", Duration.ofMinutes(1)));

        assertThat(r.exitCode()).isZero();
        long child = Long.parseLong(r.stdout().trim());
        assertDies(child);
    }

    @Test
    void aChildHoldingNoStreamDoesNotDelayTheAnswerAndDies() throws Exception {
        // stdout closed by the command, its child detached from every stream: nothing to wait for, nothing may stay
        CommandResult r = run(sh("quiet", "exec >&-; sleep 3139 </dev/null >/dev/null 2>&1 & echo $! >&2", Duration.ofMinutes(1)));

        assertThat(r.exitCode()).isZero();
        assertThat(r.stdout()).isEmpty();
        assertDies(Long.parseLong(r.stderr().trim()));
    }

    @Test
    void underSudoWhatTheCommandLeftInSudosSessionDiesWhenItExits() throws Exception {
        // a stand-in for sudo that runs its command as the worker's user, as a worker running as root would see it
        Path sudo = tmp.resolve("fake-sudo");
        Files.writeString(sudo, """
                #!/bin/sh
                [ "$1" = "-n" ] && shift
                [ "$1" = "--" ] && shift
                exec "$@"
                """);
        Files.setPosixFilePermissions(sudo, PosixFilePermissions.fromString("rwx------"));
        CommandSpec bg = CommandSpec.builder("bg", Path.of("/bin/sh")).args("-c", "(sleep 3133 & echo $!) ; sleep 3134 & echo $!")
                .sudo(true).timeout(Duration.ofMinutes(1)).build();
        collector = CommandCollector.builder().command(bg).sudoPath(sudo).build();

        CommandResult r = (CommandResult) collector.collect(Request.builder(CommandCollector.NAME).param("command", "bg").build(),
                TestContext.empty());

        assertThat(r.exitCode()).isZero();
        assertThat(r.timedOut()).isFalse();
        List<Long> pids = r.stdout().lines().map(Long::parseLong).toList();
        assertThat(pids).hasSize(2);
        pids.forEach(CommandSessionTest::assertDies);
    }
}
