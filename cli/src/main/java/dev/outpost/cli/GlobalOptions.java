package dev.outpost.cli;

import dev.outpost.core.config.OutpostConfig;
import dev.outpost.ConfigException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.LinkedHashMap;
import java.util.Map;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ScopeType;

/** Options every command takes: configuration, output format, verbosity, the demo fleet. */
public final class GlobalOptions {
    /** Output formats. */
    public enum Format { table, json, jsonl, csv, text }

    @Option(names = {"-c", "--config"}, scope = ScopeType.INHERIT, paramLabel = "FILE", description = "Configuration file (YAML, properties or JSON);"
            + " layered over /etc/outpost/outpost.* and under OUTPOST_* variables and -D.")
    Path config;

    @Option(names = "-D", scope = ScopeType.INHERIT, paramLabel = "KEY=VALUE", description = "Sets one configuration key; wins over every file.")
    Map<String, String> overrides = new LinkedHashMap<>();

    @Option(names = {"-f", "--format"}, scope = ScopeType.INHERIT, paramLabel = "FORMAT", description = "Output: ${COMPLETION-CANDIDATES}"
            + " (default: table on a terminal, jsonl when piped).")
    Format format;

    @Option(names = {"-v", "--verbose"}, scope = ScopeType.INHERIT, description = "Stack traces on errors, and INFO logging.")
    boolean verbose;

    @Option(names = "--demo", scope = ScopeType.INHERIT, description = "Talk to an in-process demo fleet instead of the configured transport.")
    boolean demo;

    @Option(names = "--no-progress", scope = ScopeType.INHERIT, description = "No progress bar, even on a terminal.")
    boolean noProgress;

    /**
     * Refuses {@code --demo} in a command that has no demo fleet to talk to (the daemons, the
     * registry): every command inherits the option, and ignoring it would send the user to
     * configure a transport they never meant to use.
     */
    void refuseDemo(CommandSpec spec, String instead) {
        if (demo) {
            throw new ParameterException(spec.commandLine(), "--demo: outpost " + spec.qualifiedName(" ").replaceFirst("^outpost ", "")
                    + " has no demo fleet; " + instead);
        }
    }

    /** The layered configuration with the -D overrides on top. */
    public OutpostConfig load() {
        if (config != null && !Files.isReadable(config)) {
            throw ConfigException.of("--config", "cannot read " + config.toAbsolutePath());
        }
        OutpostConfig.Builder b = OutpostConfig.builder().environment(System.getenv()).systemProperties(System.getProperties());
        for (String ext : List.of(".yaml", ".yml", ".json", ".properties")) {
            Path global = Path.of(OutpostConfig.GLOBAL_FILE_BASE + ext);
            if (Files.isReadable(global)) {
                b.globalFile(global);
                break;
            }
        }
        if (config != null) {
            b.localFile(config);
        }
        overrides.forEach(b::set);
        return b.build();
    }

    /** The chosen format, or the default for where output goes. */
    public Format format() {
        return format != null ? format : Terminal.isInteractive() ? Format.table : Format.jsonl;
    }
}
