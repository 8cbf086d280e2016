package dev.outpost.host;

import com.fasterxml.jackson.databind.JsonNode;
import dev.outpost.Json;
import dev.outpost.core.json.JsonSchema;
import dev.outpost.host.internal.Template;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * One command that {@link CommandCollector} may run: an executable, an argument template whose
 * parameters a JSON Schema describes, and the limits it runs under.
 *
 * <pre>{@code
 * CommandSpec allow = CommandSpec.builder("allow", Path.of("/usr/sbin/ufw"))
 *         .args("allow", "from", "{ip}", "to", "any", "port", "{port}")
 *         .paramsSchema(Json.parse("""
 *             {"type": "object", "additionalProperties": false, "required": ["ip", "port"],
 *              "properties": {"ip": {"type": "string", "format": "ipv4"},
 *                             "port": {"type": "integer", "minimum": 1, "maximum": 65535}}}"""))
 *         .sudo(true)
 *         .timeout(Duration.ofMinutes(1))
 *         .revert("disallow", Duration.ofMinutes(60))
 *         .build();
 * }</pre>
 *
 * <p>Each template argument becomes exactly one argument: {@code {name}} is replaced by the
 * param's value (strings as they are, numbers and booleans as JSON writes them), never split,
 * never given to a shell. {@code {{} and {@code }}} stand for literal braces. Every placeholder
 * must name a property of the schema. Values containing NUL, longer than
 * {@link CommandCollector.Builder#maxArgChars}, or that are objects or arrays are refused.
 *
 * @see CommandCollector
 */
public final class CommandSpec {
    private static final Pattern NAME = Pattern.compile("[a-z0-9_][a-z0-9._-]{0,127}");
    private static final Pattern ENV_NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");
    /** The {@code PATH} a command gets unless its environment sets one. */
    public static final String DEFAULT_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
    /** Default timeout: 1 minute. */
    public static final Duration DEFAULT_TIMEOUT = Duration.ofMinutes(1);
    /** Default cap on each of stdout and stderr: 64 KiB. */
    public static final int DEFAULT_MAX_OUTPUT_BYTES = 64 * 1024;

    private final String name;
    private final Path executable;
    private final List<String> args;
    private final List<Template> templates;
    private final JsonNode paramsSchema;
    private final JsonSchema schema;
    private final Map<String, String> env;
    private final Set<String> inheritEnv;
    private final Path workingDirectory;
    private final Duration timeout;
    private final int maxOutputBytes;
    private final boolean sudo;
    private final Optional<String> revertCommand;
    private final Duration revertDelay;

    private CommandSpec(Builder b, List<Template> templates, JsonSchema schema) {
        this.name = b.name;
        this.executable = b.executable;
        this.args = List.copyOf(b.args);
        this.templates = List.copyOf(templates);
        this.paramsSchema = b.paramsSchema.deepCopy();
        this.schema = schema;
        this.env = Map.copyOf(b.env);
        this.inheritEnv = Set.copyOf(b.inheritEnv);
        this.workingDirectory = b.workingDirectory;
        this.timeout = b.timeout;
        this.maxOutputBytes = b.maxOutputBytes;
        this.sudo = b.sudo;
        this.revertCommand = b.revertCommand;
        this.revertDelay = b.revertDelay;
    }

    /** A builder for the command {@code name} running {@code executable} (an absolute path). */
    public static Builder builder(String name, Path executable) {
        return new Builder(name, executable);
    }

    /** The name requests use ({@code "command": NAME}). */
    public String name() {
        return name;
    }

    /** The absolute path of the program. */
    public Path executable() {
        return executable;
    }

    /** The argument templates. */
    public List<String> args() {
        return args;
    }

    /** The JSON Schema its params must satisfy. */
    public JsonNode paramsSchema() {
        return paramsSchema.deepCopy();
    }

    /** Fixed environment variables. */
    public Map<String, String> env() {
        return env;
    }

    /** Variables copied from the worker's environment when set there. */
    public Set<String> inheritEnv() {
        return inheritEnv;
    }

    /** The directory it runs in. */
    public Path workingDirectory() {
        return workingDirectory;
    }

    /**
     * How long it may run before it and its descendants are killed. Whatever it leaves in its session
     * is killed when it ends, timeout or not (Linux; see {@link CommandCollector}).
     */
    public Duration timeout() {
        return timeout;
    }

    /** The cap on each of stdout and stderr. */
    public int maxOutputBytes() {
        return maxOutputBytes;
    }

    /** Whether it runs through {@code sudo -n}. */
    public boolean sudo() {
        return sudo;
    }

    /** The command run with the same params after {@link #revertDelay()}, if any. */
    public Optional<String> revertCommand() {
        return revertCommand;
    }

    /** How long after a run its revert runs. */
    public Duration revertDelay() {
        return revertDelay;
    }

    JsonSchema schema() {
        return schema;
    }

    List<Template> templates() {
        return templates;
    }

    @Override
    public String toString() {
        return "CommandSpec[" + name + ": " + executable + " " + args + "]";
    }

    /** Builds a {@link CommandSpec}; {@link #build()} checks it whole. */
    public static final class Builder {
        private final String name;
        private final Path executable;
        private final List<String> args = new ArrayList<>();
        private JsonNode paramsSchema = Json.parse("{\"type\":\"object\",\"additionalProperties\":false}");
        private final Map<String, String> env = new LinkedHashMap<>();
        private final Set<String> inheritEnv = new LinkedHashSet<>();
        private Path workingDirectory = Path.of("/");
        private Duration timeout = DEFAULT_TIMEOUT;
        private int maxOutputBytes = DEFAULT_MAX_OUTPUT_BYTES;
        private boolean sudo;
        private Optional<String> revertCommand = Optional.empty();
        private Duration revertDelay = Duration.ZERO;

        Builder(String name, Path executable) {
            this.name = Objects.requireNonNull(name, "name");
            this.executable = Objects.requireNonNull(executable, "executable");
        }

        /** Appends argument templates. */
        public Builder args(String... templates) {
            for (String t : templates) {
                args.add(Objects.requireNonNull(t, "template"));
            }
            return this;
        }

        /** Appends argument templates. */
        public Builder args(List<String> templates) {
            return args(templates.toArray(String[]::new));
        }

        /** The draft-07 schema the params must satisfy; by default an object with no properties. */
        public Builder paramsSchema(JsonNode schema) {
            this.paramsSchema = Objects.requireNonNull(schema, "schema").deepCopy();
            return this;
        }

        /** Sets a fixed environment variable. */
        public Builder env(String name, String value) {
            env.put(Objects.requireNonNull(name, "name"), Objects.requireNonNull(value, "value"));
            return this;
        }

        /** Copies these variables from the worker's environment when set there. Nothing else is passed. */
        public Builder inheritEnv(String... names) {
            for (String n : names) {
                inheritEnv.add(Objects.requireNonNull(n, "name"));
            }
            return this;
        }

        /** The directory it runs in (absolute); {@code /} by default. */
        public Builder workingDirectory(Path dir) {
            this.workingDirectory = Objects.requireNonNull(dir, "dir");
            return this;
        }

        /** How long it may run; 1 minute by default. */
        public Builder timeout(Duration timeout) {
            this.timeout = Objects.requireNonNull(timeout, "timeout");
            return this;
        }

        /** The cap on each of stdout and stderr; 64 KiB by default. */
        public Builder maxOutputBytes(int bytes) {
            this.maxOutputBytes = bytes;
            return this;
        }

        /** Runs it through {@code sudo -n} (never prompts; fails when sudoers does not allow it). */
        public Builder sudo(boolean sudo) {
            this.sudo = sudo;
            return this;
        }

        /**
         * After each run, runs the allow-listed {@code command} with the same params once
         * {@code delay} has passed, even if the worker restarted in between: the entry is written
         * durably to the collector's state directory before the command starts, so it also runs
         * when the command failed or the worker crashed while it ran. Revert commands should
         * therefore be idempotent.
         */
        public Builder revert(String command, Duration delay) {
            this.revertCommand = Optional.of(Objects.requireNonNull(command, "command"));
            this.revertDelay = Objects.requireNonNull(delay, "delay");
            return this;
        }

        /**
         * Builds the spec.
         *
         * @throws IllegalArgumentException listing every problem
         */
        public CommandSpec build() {
            List<String> problems = new ArrayList<>();
            if (!NAME.matcher(name).matches()) {
                problems.add("name '" + name + "' must match [a-z0-9_][a-z0-9._-]* (at most 128)");
            }
            if (!executable.isAbsolute()) {
                problems.add("executable " + executable + " must be an absolute path (no PATH lookup)");
            }
            if (!workingDirectory.isAbsolute()) {
                problems.add("working directory " + workingDirectory + " must be absolute");
            }
            if (timeout.isNegative() || timeout.isZero()) {
                problems.add("timeout must be positive");
            }
            if (maxOutputBytes < 0 || maxOutputBytes > 16 * 1024 * 1024) {
                problems.add("maxOutputBytes must be 0 to 16 MiB");
            }
            if (revertDelay.isNegative()) {
                problems.add("revert delay must not be negative");
            }
            for (String k : env.keySet()) {
                if (!ENV_NAME.matcher(k).matches()) {
                    problems.add("environment variable name '" + k + "' is not valid");
                }
            }
            for (String k : inheritEnv) {
                if (!ENV_NAME.matcher(k).matches()) {
                    problems.add("inherited variable name '" + k + "' is not valid");
                }
            }
            JsonSchema schema = null;
            try {
                schema = JsonSchema.of(paramsSchema);
            } catch (RuntimeException e) {
                problems.add("params schema: " + e.getMessage());
            }
            Set<String> declared = new LinkedHashSet<>();
            paramsSchema.path("properties").fieldNames().forEachRemaining(declared::add);
            List<Template> templates = new ArrayList<>();
            for (String a : args) {
                try {
                    Template t = Template.parse(a);
                    for (String p : t.params()) {
                        if (!declared.contains(p)) {
                            problems.add("argument '" + a + "' uses {" + p + "}, which the params schema does not declare");
                        }
                    }
                    templates.add(t);
                } catch (IllegalArgumentException e) {
                    problems.add("argument '" + a + "': " + e.getMessage());
                }
            }
            if (!problems.isEmpty()) {
                throw new IllegalArgumentException("command '" + name + "': " + String.join("; ", problems));
            }
            return new CommandSpec(this, templates, schema);
        }
    }
}
