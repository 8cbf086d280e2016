package dev.outpost.core.config;

import dev.outpost.ConfigException;
import dev.outpost.core.internal.ConfigKeys;
import dev.outpost.core.internal.UserInfo;
import dev.outpost.core.internal.Utf8;
import dev.outpost.spi.ConfigSource;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import org.apache.commons.configuration2.FileBasedConfiguration;
import org.apache.commons.configuration2.PropertiesConfiguration;
import org.apache.commons.configuration2.ex.ConfigurationException;
import org.apache.commons.configuration2.io.FileHandler;

/**
 * Outpost's layered configuration; a later layer wins:
 * <ol>
 *   <li>built-in defaults (each module lists its keys and defaults in
 *       {@code META-INF/outpost-config.properties}),
 *   <li>the global file ({@code /etc/outpost/outpost.yaml}, {@code .yml}, {@code .json} or {@code .properties}),
 *   <li>the local file (for example the one given with {@code --config}),
 *   <li>environment variables {@code OUTPOST_…} ({@code OUTPOST_WORKER_MAX_ATTEMPTS} sets
 *       {@code outpost.worker.max-attempts}),
 *   <li>system properties {@code outpost.…},
 *   <li>values set in code with {@link Builder#set(String, String)}.
 * </ol>
 * Files may be YAML, JSON or properties, chosen by extension; nested YAML/JSON keys are joined
 * with dots and lists become comma-separated values. A file over 1 MiB is refused unread. Immutable
 * and thread-safe.
 *
 * <p>A key under {@code outpost.} that no module on the class path declares is refused when the
 * configuration is built, naming the layer that set it and the nearest valid key. Settings of a
 * collector ({@code outpost.collectors.NAME.*}) are checked when the worker is built, since only
 * the worker knows its collectors.
 */
public final class OutpostConfig implements ConfigSource {
    /** Where the global file is looked for, without its extension. */
    public static final Path GLOBAL_FILE_BASE = Path.of("/etc/outpost/outpost");

    /** The largest configuration file read; configuration is a few kilobytes. */
    private static final long MAX_FILE_BYTES = 1024 * 1024;
    private static final List<String> EXTENSIONS = List.of(".yaml", ".yml", ".json", ".properties");
    private static final String REDACTED = "****";

    private final Map<String, String> values;
    private final Map<String, String> sources;

    private OutpostConfig(Map<String, String> values, Map<String, String> sources) {
        this.values = Collections.unmodifiableMap(new TreeMap<>(values));
        this.sources = Map.copyOf(sources);
    }

    /**
     * The configuration of this process: defaults, the global file if present, {@code localFile}
     * if given, the environment and the system properties.
     *
     * @throws ConfigException when a file cannot be read or parsed
     */
    public static OutpostConfig load(Optional<Path> localFile) {
        Builder b = builder().environment(System.getenv()).systemProperties(System.getProperties());
        for (String ext : EXTENSIONS) {
            Path p = Path.of(GLOBAL_FILE_BASE + ext);
            if (Files.isReadable(p)) {
                b.globalFile(p);
                break;
            }
        }
        localFile.ifPresent(b::localFile);
        return b.build();
    }

    /** Only the built-in defaults. */
    public static OutpostConfig defaults() {
        return builder().build();
    }

    /** A builder to choose the layers (nothing is read from the environment unless given). */
    public static Builder builder() {
        return new Builder();
    }

    /** The value of {@code key}, if set in any layer. */
    @Override
    public Optional<String> string(String key) {
        return Optional.ofNullable(values.get(key));
    }






    /**
     * {@code value} of {@code key} as an error message may show it: quoted and clipped (see
     * {@link ConfigSource#quote}) with the user-info of URLs masked, for a key a module declares and
     * not secret, or an undeclared key whose name does not look secret and is not below a secret
     * key; else its length only.
     */
    @Override
    public String shown(String key, String value) {
        return shownValue(key, value);
    }

    private static String shownValue(String key, String value) {
        ConfigKeys declared = ConfigKeys.get();
        if (declared.keys().contains(key)) {
            return declared.isShowable(key) ? ConfigSource.quote(UserInfo.mask(value)) : ConfigSource.hidden(value);
        }
        return declared.belowSecret(key) ? ConfigSource.hidden(value) : SHOWN_BY_NAME.shown(key, UserInfo.mask(value));
    }

    /** ConfigSource's own judgement, by the key's name, for keys no module declares. */
    private static final ConfigSource SHOWN_BY_NAME = new ConfigSource() {
        @Override
        public Optional<String> string(String key) {
            return Optional.empty();
        }

        @Override
        public Set<String> keys() {
            return Set.of();
        }

        @Override
        public Optional<String> sourceOf(String key) {
            return Optional.empty();
        }
    };

    /** Every key that is set. */
    @Override
    public Set<String> keys() {
        return values.keySet();
    }

    /** Which layer set {@code key}: "defaults", a file path, "environment", "system properties" or "code". */
    @Override
    public Optional<String> sourceOf(String key) {
        return Optional.ofNullable(sources.get(key));
    }

    /**
     * Every key and value, sorted, safe to show: only keys that a module declares as not secret
     * show their value (with any user-info in a URL masked); every other value reads {@code ****}.
     */
    public Map<String, String> redacted() {
        ConfigKeys declared = ConfigKeys.get();
        Map<String, String> out = new TreeMap<>();
        values.forEach((k, v) -> out.put(k, declared.isShowable(k) ? UserInfo.mask(v) : REDACTED));
        return Collections.unmodifiableMap(out);
    }

    /** Every key a module on the class path declares, with its default (empty when none). */
    public static Map<String, String> declaredKeys() {
        return ConfigKeys.get().listing();
    }



    /** A builder that starts from these values, as the code layer. */
    public Builder toBuilder() {
        Builder b = builder();
        values.forEach(b::set);
        return b;
    }

    @Override
    public String toString() {
        return "OutpostConfig" + redacted();
    }



    /** Chooses the layers of an {@link OutpostConfig}. */
    public static final class Builder {
        private Optional<Path> globalFile = Optional.empty();
        private Optional<Path> localFile = Optional.empty();
        private Map<String, String> environment = Map.of();
        private Properties systemProperties = new Properties();
        private final Map<String, String> code = new LinkedHashMap<>();
        private final Map<String, String> codeSources = new LinkedHashMap<>();

        private Builder() {}

        /** The global file (YAML, JSON or properties by extension). */
        public Builder globalFile(Path file) {
            this.globalFile = Optional.of(Objects.requireNonNull(file, "file"));
            return this;
        }

        /** The local file, which overrides the global one. */
        public Builder localFile(Path file) {
            this.localFile = Optional.of(Objects.requireNonNull(file, "file"));
            return this;
        }

        /** Environment variables; only those starting with {@code OUTPOST_} are read. */
        public Builder environment(Map<String, String> environment) {
            this.environment = Map.copyOf(Objects.requireNonNull(environment, "environment"));
            return this;
        }

        /** System properties; only those starting with {@code outpost.} are read. */
        public Builder systemProperties(Properties properties) {
            Objects.requireNonNull(properties, "properties");
            this.systemProperties = new Properties();
            properties.stringPropertyNames().forEach(k -> systemProperties.setProperty(k, properties.getProperty(k)));
            return this;
        }

        /** Sets a value in the highest layer. */
        public Builder set(String key, String value) {
            return set(key, value, "code");
        }

        /**
         * Sets a value in the highest layer, naming where it came from for the errors that blame it
         * (a command line's {@code -D} option, say: "unknown key (set in a -D option)").
         */
        public Builder set(String key, String value, String source) {
            code.put(Objects.requireNonNull(key, "key"), Objects.requireNonNull(value, "value"));
            codeSources.put(key, Objects.requireNonNull(source, "source"));
            return this;
        }

        /**
         * Reads every layer.
         *
         * @throws ConfigException when a file is missing, unreadable or malformed
         */
        public OutpostConfig build() {
            Map<String, String> values = new LinkedHashMap<>();
            Map<String, String> sources = new LinkedHashMap<>();
            layer(values, sources, ConfigKeys.get().defaults(), "defaults");
            List<ConfigException.Problem> problems = new ArrayList<>();
            globalFile.ifPresent(f -> layer(values, sources, readFile(f, "global", problems), f.toString()));
            localFile.ifPresent(f -> layer(values, sources, readFile(f, "local", problems), f.toString()));
            if (!problems.isEmpty()) {
                throw new ConfigException(problems);
            }
            layer(values, sources, fromEnvironment(environment, values.keySet()), "environment");
            Map<String, String> props = new LinkedHashMap<>();
            systemProperties.stringPropertyNames().stream().filter(k -> k.startsWith("outpost."))
                    .forEach(k -> props.put(k, systemProperties.getProperty(k)));
            layer(values, sources, props, "system properties");
            code.forEach((k, v) -> {
                values.put(k, v);
                sources.put(k, codeSources.get(k));
            });
            ConfigKeys declared = ConfigKeys.get();
            for (String key : values.keySet()) {
                if (key.startsWith("outpost.") && !key.startsWith("outpost.collectors.") && !declared.keys().contains(key)
                        && !declared.acceptsUnder(key)) {
                    problems.add(declared.unknown(key, Optional.ofNullable(sources.get(key))));
                }
            }
            if (!problems.isEmpty()) {
                throw new ConfigException(problems);
            }
            return new OutpostConfig(values, sources);
        }

        private static void layer(Map<String, String> values, Map<String, String> sources, Map<String, String> layer, String name) {
            layer.forEach((k, v) -> {
                values.put(k, v);
                sources.put(k, name);
            });
        }

        private static Map<String, String> fromEnvironment(Map<String, String> env, Set<String> keysSoFar) {
            Map<String, String> byNormal = new LinkedHashMap<>();
            for (String k : ConfigKeys.get().keys()) {
                byNormal.put(normal(k), k);
            }
            for (String k : keysSoFar) {
                byNormal.putIfAbsent(normal(k), k);
            }
            Map<String, String> out = new LinkedHashMap<>();
            env.forEach((name, value) -> {
                if (name.startsWith("OUTPOST_") && !name.equals("OUTPOST_CONFIG")) {
                    String key = byNormal.getOrDefault(normal(name), name.toLowerCase(Locale.ROOT).replace('_', '.'));
                    out.put(key, value);
                }
            });
            return out;
        }

        private static String normal(String key) {
            return key.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9]", "");
        }

        private static Map<String, String> readFile(Path file, String which, List<ConfigException.Problem> problems) {
            String name = file.getFileName().toString().toLowerCase(Locale.ROOT);
            FileBasedConfiguration config;
            if (name.endsWith(".yaml") || name.endsWith(".yml")) {
                config = new FileParsers.StrictYaml();
            } else if (name.endsWith(".json")) {
                config = new FileParsers.StrictJson();
            } else if (name.endsWith(".properties")) {
                config = new PropertiesConfiguration();
            } else {
                problems.add(new ConfigException.Problem(file.toString(),
                        "the " + which + " configuration file must end in .yaml, .yml, .json or .properties"));
                return Map.of();
            }
            if (!Files.isRegularFile(file)) {
                problems.add(new ConfigException.Problem(file.toString(), "the " + which + " configuration file does not exist"));
                return Map.of();
            }
            try {
                // parsing time grows faster than the file (2 MB of YAML took seconds, 20 MB minutes): refuse first
                long size = Files.size(file);
                if (size > MAX_FILE_BYTES) {
                    problems.add(new ConfigException.Problem(file.toString(), "the " + which + " configuration file is larger than "
                            + MAX_FILE_BYTES + " bytes (" + size + "): not a configuration file"));
                    return Map.of();
                }
            } catch (java.io.IOException e) {
                problems.add(new ConfigException.Problem(file.toString(), "cannot read the " + which + " configuration file: " + e.getMessage()));
                return Map.of();
            }
            try {
                if (config instanceof PropertiesConfiguration) { // Commons reads them in the platform's encoding
                    String text;
                    try {
                        text = Utf8.decode(Files.readAllBytes(file)); // at most MAX_FILE_BYTES: checked above
                    } catch (IllegalArgumentException e) {
                        problems.add(new ConfigException.Problem(file.toString(), "the " + which + " configuration file "
                                + e.getMessage() + ": configuration files are UTF-8"));
                        return Map.of();
                    }
                    new FileHandler(config).load(new java.io.StringReader(text));
                } else {
                    new FileHandler(config).load(file.toFile());
                }
            } catch (ConfigurationException | IOException | RuntimeException e) {
                Throwable root = e;
                while (root.getCause() != null && root.getCause() != root) {
                    root = root.getCause();
                }
                problems.add(new ConfigException.Problem(file.toString(),
                        "cannot parse the " + which + " configuration file: " + FileParsers.parseProblem(root)));
                return Map.of();
            }
            Map<String, String> unrepresentable = config instanceof FileParsers.StrictYaml y ? y.unrepresentable
                    : config instanceof FileParsers.StrictJson j ? j.unrepresentable : Map.of();
            if (!unrepresentable.isEmpty()) {
                unrepresentable.forEach((key, text) -> problems.add(new ConfigException.Problem(ConfigKeys.get().shown(key),
                        shownValue(key, text) + " is a number that cannot be represented (beyond a double's range, infinite or not a"
                                + " number; set in " + file + "): write one that fits, or quote it if it is text")));
                return Map.of();
            }
            Map<String, String> out = new LinkedHashMap<>();
            for (Iterator<String> it = config.getKeys(); it.hasNext(); ) {
                String key = it.next();
                List<Object> list = config.getList(Object.class, key, List.of());
                // a properties file has no lists: a key repeated is one given twice, which Commons joins into a list
                if (config instanceof PropertiesConfiguration && list.size() > 1) {
                    problems.add(twice(file, which, "the key " + key + " is given " + (list.size() == 2 ? "twice" : list.size() + " times")));
                    return Map.of();
                }
                StringBuilder joined = new StringBuilder();
                for (Object o : list) {
                    if (joined.length() > 0) {
                        joined.append(',');
                    }
                    joined.append(o);
                }
                // Commons Configuration doubles a dot inside a YAML/JSON key ("http.request": ...) to escape it
                if (out.put(key.replace("..", "."), joined.toString()) != null) { // nested and dotted: the same key
                    problems.add(twice(file, which, "the key " + key.replace("..", ".") + " is given twice (nested and dotted)"));
                    return Map.of();
                }
            }
            return out;
        }
    }

    private static ConfigException.Problem twice(Path file, String which, String what) {
        return new ConfigException.Problem(file.toString(), "the " + which + " configuration file is ambiguous: " + what
                + "; which value was meant?");
    }
}
