package dev.outpost.cli;

import dev.outpost.core.config.OutpostConfig;
import dev.outpost.ConfigException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.LinkedHashMap;
import java.util.Map;
import picocli.CommandLine.IModelTransformer;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ScopeType;

/**
 * Options every command that reads the configuration takes: configuration, output format,
 * verbosity, the demo fleet (refused, and left out of the help, where there is none: {@code WithoutDemo}).
 */
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
     * registry): every command with these options parses it, and ignoring it would send the user to
     * configure a transport they never meant to use. Such a command also names {@link WithoutDemo}
     * as its model transformer, so that its help does not offer the option.
     */
    void refuseDemo(CommandSpec spec, String instead) {
        if (demo) {
            throw new ParameterException(spec.commandLine(), "--demo: outpost " + spec.qualifiedName(" ").replaceFirst("^outpost ", "")
                    + " has no demo fleet; " + instead);
        }
    }

    /**
     * Hides {@code --demo} in the help of a command that refuses it (and of its subcommands): the
     * option still parses there, so that {@link #refuseDemo} can say why instead of picocli's
     * "Unknown option".
     */
    static final class WithoutDemo implements IModelTransformer {
        @Override
        public CommandSpec transform(CommandSpec spec) {
            hide(spec);
            return spec;
        }

        private static void hide(CommandSpec spec) {
            OptionSpec demo = spec.findOption("--demo");
            if (demo != null && !demo.hidden()) {
                // an OptionSpec is immutable: a hidden copy bound to the same field replaces it; being
                // inherited, the copy goes to the subcommands too, in place of the copies they have
                spec.subcommands().values().forEach(sub -> removeInherited(sub.getCommandSpec()));
                spec.remove(demo);
                spec.addOption(OptionSpec.builder(demo).hidden(true).build());
            }
        }

        private static void removeInherited(CommandSpec spec) {
            OptionSpec demo = spec.findOption("--demo");
            if (demo != null && demo.inherited()) {
                spec.remove(demo);
            }
            spec.subcommands().values().forEach(sub -> removeInherited(sub.getCommandSpec()));
        }
    }

    /** The layered configuration with the -D overrides on top. */
    public OutpostConfig load() {
        if (config != null && !Files.isReadable(config)) {
            // a typo'd name and a file of another user's are fixed differently: say which
            throw ConfigException.of("--config", "cannot read " + config.toAbsolutePath() + ": "
                    + (Files.exists(config) ? "permission denied" : "no such file"));
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
        overrides.forEach((k, v) -> b.set(k, v, "a -D option"));
        return b.build();
    }

    /** The chosen format, or the default for where output goes. */
    public Format format() {
        return format != null ? format : Terminal.isInteractive() ? Format.table : Format.jsonl;
    }
}
