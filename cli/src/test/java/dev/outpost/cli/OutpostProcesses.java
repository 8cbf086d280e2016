package dev.outpost.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code outpost} commands run as real processes from the test class path, with an emulator's credentials in their
 * environment; each one's output in {@code NAME.out} and {@code NAME.err} under a test's folder.
 */
final class OutpostProcesses {
    private final Path dir;
    private final List<Process> started = new ArrayList<>();

    OutpostProcesses(Path dir) {
        this.dir = dir;
    }

    Process start(String name, String... args) throws Exception {
        String cp = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-XX:TieredStopAtLevel=1", "-cp", cp, "dev.outpost.cli.Outpost"));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectOutput(dir.resolve(name + ".out").toFile())
                .redirectError(dir.resolve(name + ".err").toFile());
        pb.environment().put("AWS_ACCESS_KEY_ID", "test");
        pb.environment().put("AWS_SECRET_ACCESS_KEY", "test");
        pb.environment().put("AWS_REGION", "us-east-1");
        Process p = pb.start();
        started.add(p);
        return p;
    }

    String out(String name) throws Exception {
        return Files.readString(dir.resolve(name + ".out"));
    }

    String err(String name) throws Exception {
        return Files.readString(dir.resolve(name + ".err"));
    }

    /** Kills what is still running (SIGKILL). */
    void destroyAll() {
        started.forEach(Process::destroyForcibly);
    }
}
