package dev.outpost.testsupport;

import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.IOException;
import java.io.PrintStream;
import java.lang.reflect.InvocationTargetException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;

/**
 * Java source compiled against the running test's class path, and a compiled {@code main} run in
 * this JVM or in a child one. It reports what happened; the calling test asserts on it.
 */
public final class JavaSources {
    private JavaSources() {}

    /** The running test's class path (surefire's when under Maven), without empty entries. */
    public static String classpath() {
        String cp = System.getProperty("surefire.test.class.path");
        if (cp == null || cp.isBlank()) {
            cp = System.getProperty("java.class.path");
        }
        return cp.replace(File.pathSeparator + File.pathSeparator, File.pathSeparator);
    }

    /** Writes {@code code} to {@code dir/fileName} and returns that path. */
    public static Path write(Path dir, String fileName, String code) throws IOException {
        return Files.writeString(Files.createDirectories(dir).resolve(fileName), code);
    }

    /**
     * What javac said.
     *
     * @param exitCode javac's exit code: 0 when everything compiled
     * @param diagnostics its messages, with the class path it compiled against
     */
    public record Compilation(int exitCode, String diagnostics) {
        /** True when everything compiled. */
        public boolean succeeded() {
            return exitCode == 0;
        }
    }

    /** Compiles {@code sources} into {@code classes} against {@link #classpath()}. */
    public static Compilation compile(Path classes, Path... sources) throws IOException {
        return compile(classes, classpath(), List.of(sources));
    }

    /** Compiles {@code sources} into {@code classes} against {@code classpath}, annotation processing off. */
    public static Compilation compile(Path classes, String classpath, List<Path> sources) throws IOException {
        JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        if (javac == null) {
            throw new IllegalStateException("no system Java compiler: the tests need a JDK, not a JRE");
        }
        Files.createDirectories(classes);
        List<String> args = new ArrayList<>(List.of("-d", classes.toString(), "-cp", classpath, "-proc:none"));
        sources.forEach(s -> args.add(s.toString()));
        ByteArrayOutputStream errors = new ByteArrayOutputStream();
        int rc = javac.run(null, errors, errors, args.toArray(String[]::new));
        return new Compilation(rc, sources + " against " + classpath + ":\n" + errors.toString(StandardCharsets.UTF_8));
    }

    /**
     * Runs {@code mainClass}'s {@code main} from {@code classes} in this JVM (its parent loader the
     * test's own) and returns what it printed to standard output, log lines included. An exception
     * from {@code main} is rethrown as it was thrown.
     */
    public static String runMain(Path classes, String mainClass, String... args) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        PrintStream original = System.out;
        try (URLClassLoader loader = new URLClassLoader(new URL[] {classes.toUri().toURL()}, JavaSources.class.getClassLoader())) {
            var main = loader.loadClass(mainClass).getMethod("main", String[].class);
            System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
            main.invoke(null, (Object) args);
        } catch (InvocationTargetException e) {
            if (e.getCause() instanceof Exception ex) {
                throw ex;
            }
            if (e.getCause() instanceof Error er) {
                throw er;
            }
            throw e;
        } finally {
            System.setOut(original);
        }
        return out.toString(StandardCharsets.UTF_8);
    }

    /** A child JVM that runs {@code mainClass} from {@code classes} plus {@link #classpath()}. */
    public static ChildJava java(Path classes, String mainClass) {
        return new ChildJava(classes, mainClass);
    }

    /** A child JVM to run, as a user runs a program: {@code java -cp ... Main args}. */
    public static final class ChildJava {
        private final Path classes;
        private final String mainClass;
        private final List<String> args = new ArrayList<>();
        private final Map<String, String> properties = new LinkedHashMap<>();
        private final Map<String, String> env = new LinkedHashMap<>();
        private final Set<String> unset = new HashSet<>();

        private ChildJava(Path classes, String mainClass) {
            this.classes = classes;
            this.mainClass = mainClass;
        }

        /** Program arguments. */
        public ChildJava args(String... more) {
            args.addAll(List.of(more));
            return this;
        }

        /** A {@code -Dkey=value}. */
        public ChildJava systemProperty(String key, String value) {
            properties.put(key, value);
            return this;
        }

        /** An environment variable set for the child. */
        public ChildJava env(String name, String value) {
            env.put(name, value);
            unset.remove(name);
            return this;
        }

        /** An environment variable the child must not inherit from the test's. */
        public ChildJava withoutEnv(String name) {
            env.remove(name);
            unset.add(name);
            return this;
        }

        /** Runs it; a child still running after {@code timeout} is killed and fails the test. */
        public Exit run(Duration timeout) throws IOException, InterruptedException {
            List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString()));
            properties.forEach((k, v) -> command.add("-D" + k + "=" + v));
            command.addAll(List.of("-cp", classes + File.pathSeparator + classpath(), mainClass));
            command.addAll(args);
            // files, not pipes: a child that fills one pipe while we read the other would never finish
            Path out = Files.createTempFile("child-java", ".out");
            Path err = Files.createTempFile("child-java", ".err");
            try {
                ProcessBuilder pb = new ProcessBuilder(command).redirectOutput(out.toFile()).redirectError(err.toFile());
                unset.forEach(pb.environment()::remove);
                pb.environment().putAll(env);
                Process java = pb.start();
                if (!java.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                    java.destroyForcibly().waitFor();
                    throw new AssertionError(mainClass + " did not exit within " + timeout + "; its standard error:\n"
                            + Files.readString(err));
                }
                return new Exit(java.exitValue(), Files.readString(out), Files.readString(err));
            } finally {
                Files.deleteIfExists(out);
                Files.deleteIfExists(err);
            }
        }
    }

    /**
     * How a child JVM ended.
     *
     * @param exitCode its exit code
     * @param stdout what it printed to standard output
     * @param stderr what it printed to standard error
     */
    public record Exit(int exitCode, String stdout, String stderr) {}
}
