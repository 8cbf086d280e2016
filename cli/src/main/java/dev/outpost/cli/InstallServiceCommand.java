package dev.outpost.cli;

import dev.outpost.core.files.OwnerOnlyFiles;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code outpost install-service DAEMON}: a systemd unit for one daemon, hardened: no new
 * privileges, a read-only system, a private /tmp, no home directories, no kernel tunables, and
 * write access only to the paths that daemon needs.
 */
@Command(name = "install-service", description = "Writes a hardened systemd unit for a daemon (worker, broker,"
        + " record-store, host-agent) and prints the next commands.")
final class InstallServiceCommand implements Callable<Integer> {
    /** The daemons and the state each one writes. */
    enum Daemon {
        worker(List.of("/var/lib/outpost/worker")),
        broker(List.of("/var/lib/outpost/broker")),
        record_store(List.of("/var/lib/outpost/records")),
        host_agent(List.of("/var/lib/outpost/agent"));

        final List<String> writable;

        Daemon(List<String> writable) {
            this.writable = writable;
        }

        String command() {
            return name().replace('_', '-');
        }
    }

    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "DAEMON", description = "worker, broker, record-store or host-agent.")
    String daemon;

    @Option(names = "--user", paramLabel = "USER", defaultValue = "outpost", description = "The account it runs as (default ${DEFAULT-VALUE}).")
    String user;

    @Option(names = "--config", paramLabel = "FILE", defaultValue = "/etc/outpost/outpost.yaml",
            description = "Its configuration file (default ${DEFAULT-VALUE}).")
    String config;

    @Option(names = "--launcher", paramLabel = "PATH", description = "The outpost launcher (default: this one).")
    String launcher;

    @Option(names = "--unit-dir", paramLabel = "DIR", defaultValue = "/etc/systemd/system",
            description = "Where to write the unit (default ${DEFAULT-VALUE}).")
    Path unitDir;

    @Option(names = "--dry-run", description = "Print the unit instead of writing it.")
    boolean dryRun;

    @Override
    public Integer call() throws Exception {
        Daemon d;
        try {
            d = Daemon.valueOf(daemon.replace('-', '_'));
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), "DAEMON: worker, broker, record-store or host-agent, was '" + daemon + "'");
        }
        if (!user.matches("[a-z_][a-z0-9_-]{0,31}")) {
            throw new ParameterException(spec.commandLine(), "--user: a system account name, was '" + user + "'");
        }
        if (!unitPath(config)) {
            throw new ParameterException(spec.commandLine(), "--config: an absolute path without spaces, quotes, '%' or '\\', was '"
                    + printable(config) + "'");
        }
        String exe = launcher != null ? launcher : System.getProperty("dev.outpost.cli.launcher", "/usr/local/bin/outpost");
        if (!unitPath(exe)) {
            // systemd splits ExecStart at spaces and reads % as a specifier: a launcher in "My Tools" would not start
            throw new ParameterException(spec.commandLine(), "--launcher: the launcher's path must be absolute, without spaces,"
                    + " quotes, '%' or '\\', was '" + printable(exe) + "'; install it where it is so (/usr/local/bin/outpost) or"
                    + " pass --launcher PATH");
        }
        String unit = unit(d, user, config, exe);
        PrintWriter out = spec.commandLine().getOut();
        String name = "outpost-" + d.command() + ".service";
        String hidden = hiddenByProtectHome(exe, config);
        if (dryRun) {
            out.print(unit);
            if (!hidden.isEmpty()) {
                spec.commandLine().getErr().println("warning: " + hidden);
            }
            return ExitCodes.OK;
        }
        if (!hidden.isEmpty()) { // the unit would be written and enabled, and fail at every start
            throw new ParameterException(spec.commandLine(), hidden);
        }
        Path file = unitDir.resolve(name);
        Files.createDirectories(unitDir);
        OwnerOnlyFiles.replace(file, unit.getBytes(java.nio.charset.StandardCharsets.UTF_8));
        Files.setPosixFilePermissions(file, java.nio.file.attribute.PosixFilePermissions.fromString("rw-r--r--"));
        out.println("wrote " + file);
        out.println("next:");
        out.println("  useradd --system --no-create-home --shell /usr/sbin/nologin " + user + "   # if it does not exist");
        out.println("  systemctl daemon-reload && systemctl enable --now " + name);
        out.println("  journalctl -u " + name + " -f");
        return ExitCodes.OK;
    }

    /**
     * Why the unit could not start: its ProtectHome=yes hides /home, /root and /run/user from the service, so a launcher
     * (by default, the one running now: often a build under a home) or configuration there is not found. Empty when none is.
     */
    private static String hiddenByProtectHome(String exe, String config) {
        for (String[] p : new String[][] {{"--launcher", exe}, {"--config", config}}) {
            if (p[1].startsWith("/home/") || p[1].startsWith("/root/") || p[1].startsWith("/run/user/")) {
                return p[0] + ": '" + printable(p[1]) + "' is under a home folder, which the unit's ProtectHome=yes hides from the"
                        + " service; install it elsewhere (the launcher's folder to /opt/outpost, say) and pass " + p[0] + " PATH";
            }
        }
        return "";
    }

    /** A path a unit file can carry as one word: absolute, no white space, quotes, specifiers or escapes. */
    private static boolean unitPath(String path) {
        return path.startsWith("/") && path.chars().noneMatch(c -> c <= ' ' || c == 0x7f || c == '"' || c == '\'' || c == '\\' || c == '%');
    }

    private static String printable(String s) {
        return Output.printable(s.length() > 200 ? s.substring(0, 200) + "…" : s);
    }

    static String unit(Daemon d, String user, String config, String exe) {
        String state = d.writable.get(0);
        return "[Unit]\n"
                + "Description=Outpost " + d.command() + "\n"
                + "Documentation=https://github.com/outpost-dev/outpost\n"
                + "After=network-online.target\n"
                + "Wants=network-online.target\n"
                + "\n"
                + "[Service]\n"
                + "Type=simple\n"
                + "User=" + user + "\n"
                + "Group=" + user + "\n"
                + "ExecStart=" + exe + " " + d.command() + " --config " + config + "\n"
                + "Environment=OUTPOST_JAVA_OPTS=\n"
                + "WorkingDirectory=" + state + "\n"
                + "StateDirectory=" + state.substring("/var/lib/".length()) + "\n"
                + "StateDirectoryMode=0700\n"
                + "UMask=0077\n"
                + "Restart=on-failure\n"
                + "RestartSec=5s\n"
                + "# SIGTERM drains in-flight work; give it the worker's drain timeout and some\n"
                + "TimeoutStopSec=60s\n"
                + "KillSignal=SIGTERM\n"
                + "# the JVM exits 143 (128 + SIGTERM) after the drain: a clean stop, not a failure to restart from\n"
                + "SuccessExitStatus=143\n"
                + "NoNewPrivileges=yes\n"
                + "ProtectSystem=strict\n"
                + "ProtectHome=yes\n"
                + "PrivateTmp=yes\n"
                + "PrivateDevices=yes\n"
                + "ProtectKernelTunables=yes\n"
                + "ProtectKernelModules=yes\n"
                + "ProtectKernelLogs=yes\n"
                + "ProtectControlGroups=yes\n"
                + "ProtectClock=yes\n"
                + "ProtectHostname=yes\n"
                + "RestrictSUIDSGID=yes\n"
                + "RestrictRealtime=yes\n"
                + "RestrictNamespaces=yes\n"
                + "LockPersonality=yes\n"
                + "RestrictAddressFamilies=AF_INET AF_INET6 AF_UNIX\n"
                + "CapabilityBoundingSet=\n"
                + "ReadWritePaths=" + String.join(" ", d.writable) + "\n"
                + "\n"
                + "[Install]\n"
                + "WantedBy=multi-user.target\n";
    }
}
