package dev.outpost.host.internal;

import com.fasterxml.jackson.databind.JsonNode;
import dev.outpost.CollectorException;
import dev.outpost.ConfigException;
import dev.outpost.Json;
import dev.outpost.core.config.Suggestions;
import dev.outpost.host.CommandCollector;
import dev.outpost.host.CommandSpec;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** Reads {@code host.command}'s settings ({@code outpost.collectors.host.command.*}, unprefixed) into a builder. */
public final class CommandSettings {
    /** The settings {@link #fromSettings} reads besides {@code command.NAME.*}; the worker's own are accepted too. */
    private static final List<String> KEYS = List.of("state-dir", "sudo-path", "timeout-path", "max-arg-chars",
            "revert-check-interval", "commands", "timeout", "max-attempts");
    private static final List<String> COMMAND_KEYS = List.of("executable", "args", "params-schema", "env", "inherit-env",
            "working-dir", "timeout", "max-output-bytes", "sudo", "revert", "revert-delay");

    private CommandSettings() {}

    /** A builder from the settings; each bad or unknown key adds a problem (keys unprefixed). */
    public static CommandCollector.Builder parse(Map<String, String> settings, List<ConfigException.Problem> problems) {
        Settings s = new Settings(settings);
        CommandCollector.Builder b = CommandCollector.builder();
        List<String> names;
        try {
            names = s.list("commands");
        } catch (CollectorException e) {
            names = List.of();
        }
        List<String> known = new ArrayList<>(KEYS);
        for (String name : names) {
            COMMAND_KEYS.forEach(k -> known.add("command." + name + "." + k));
        }
        for (String key : new java.util.TreeSet<>(settings.keySet())) {
            if (!known.contains(key)) {
                String hint = Suggestions.nearest(key, known).map(n -> "; did you mean " + n + "?").orElse("");
                if (hint.isEmpty() && key.startsWith("command.")) {
                    hint = "; command settings are command.NAME.KEY for a NAME listed in commands " + names;
                }
                problems.add(new ConfigException.Problem(key, "unknown host.command setting" + hint));
            }
        }
        List<String> messages = new ArrayList<>();
        try {
            s.string("state-dir").ifPresent(d -> b.stateDirectory(Path.of(d)));
            s.string("sudo-path").ifPresent(p -> b.sudoPath(Path.of(p)));
            s.string("timeout-path").ifPresent(p -> b.timeoutPath(Path.of(p)));
            b.maxArgChars((int) s.longValue("max-arg-chars", 4096, 1, 131072));
            b.revertCheckInterval(s.duration("revert-check-interval", Duration.ofSeconds(1)));
        } catch (CollectorException | IllegalArgumentException e) {
            messages.add(e.getMessage());
        }
        for (String name : names) {
            String p = "command." + name + ".";
            int before = messages.size();
            Optional<String> exe = s.string(p + "executable");
            if (exe.isEmpty()) {
                messages.add(Settings.bad(p + "executable", "required").getMessage());
            }
            CommandSpec.Builder c;
            try {
                c = CommandSpec.builder(name, Path.of(exe.orElse("/")));
            } catch (RuntimeException e) {
                messages.add("command '" + name + "': " + e.getMessage());
                continue;
            }
            attempt(messages, () -> s.string(p + "args").ifPresent(a -> {
                JsonNode arr = json(p + "args", a);
                if (!arr.isArray()) {
                    throw Settings.bad(p + "args", "must be a JSON array of strings");
                }
                arr.forEach(x -> c.args(x.asText()));
            }));
            attempt(messages, () -> s.string(p + "params-schema").ifPresent(j -> c.paramsSchema(json(p + "params-schema", j))));
            attempt(messages, () -> s.string(p + "env").ifPresent(j -> json(p + "env", j).fields()
                    .forEachRemaining(e -> c.env(e.getKey(), e.getValue().asText()))));
            attempt(messages, () -> s.list(p + "inherit-env").forEach(c::inheritEnv));
            attempt(messages, () -> s.string(p + "working-dir").ifPresent(d -> c.workingDirectory(Path.of(d))));
            attempt(messages, () -> c.timeout(s.duration(p + "timeout", CommandSpec.DEFAULT_TIMEOUT)));
            attempt(messages, () -> c.maxOutputBytes((int) s.longValue(p + "max-output-bytes",
                    CommandSpec.DEFAULT_MAX_OUTPUT_BYTES, 0, 16 * 1024 * 1024)));
            attempt(messages, () -> c.sudo(s.bool(p + "sudo", false)));
            attempt(messages, () -> {
                Optional<String> revert = s.string(p + "revert");
                if (revert.isPresent()) {
                    c.revert(revert.get(), s.duration(p + "revert-delay", Duration.ZERO));
                }
            });
            if (messages.size() == before) {
                attempt(messages, () -> b.command(c.build()));
            }
        }
        messages.forEach(m -> problems.add(new ConfigException.Problem(keyOf(m), m)));
        return b;
    }

    /** The key a problem message names ("setting 'KEY': ..."), or the collector's prefix. */
    private static String keyOf(String message) {
        int i = message.indexOf("setting '");
        if (i >= 0) {
            int end = message.indexOf('\'', i + 9);
            if (end > i) {
                return message.substring(i + 9, end);
            }
        }
        return "*";
    }

    private static void attempt(List<String> problems, Runnable r) {
        try {
            r.run();
        } catch (CollectorException | IllegalArgumentException e) {
            problems.add(e.getMessage());
        }
    }

    private static JsonNode json(String key, String text) {
        try {
            return Json.parse(text);
        } catch (IllegalArgumentException e) {
            throw Settings.bad(key, "not valid JSON");
        }
    }

}
