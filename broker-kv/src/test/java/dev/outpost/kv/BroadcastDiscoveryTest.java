package dev.outpost.kv;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * Discovery by a real broadcast: a responder bound to one address (as BrokerDaemon binds it) in
 * one network namespace, a host in another that knows only the subnet's broadcast address, a
 * veth pair between them on a private subnet no other machine sees. Needs root and {@code ip};
 * skipped with a message otherwise.
 */
class BroadcastDiscoveryTest {
    private static final String SUBNET = "10.231.7.";
    private final String tag = Long.toString(ProcessHandle.current().pid() % 100_000);
    private final String nsA = "okv-a-" + tag;
    private final String nsB = "okv-b-" + tag;
    private final List<Process> started = new ArrayList<>();
    private boolean created;

    @Test
    void aHostThatKnowsOnlyTheBroadcastAddressFindsABrokerBoundToOneAddress() throws Exception {
        setUpNamespaces();
        assertThat(findWith(true)).startsWith("FOUND broker-1 from " + SUBNET + "1");
        // what it was before the fix: a socket bound to one address never hears a broadcast
        assertThat(findWith(false)).isEqualTo("NONE");
    }

    private String findWith(boolean broadcast) throws Exception {
        Path keyFile = Files.createTempDirectory("okv-key").resolve("discovery.key");
        String publicKey = DiscoveryKeys.generate(keyFile);
        Process responder = java(nsA, "respond", SUBNET + "1", "20443", Boolean.toString(broadcast), keyFile.toString());
        BufferedReader out = new BufferedReader(new InputStreamReader(responder.getInputStream(), StandardCharsets.UTF_8));
        String ready = out.readLine();
        assertThat(ready).as("responder output").startsWith("READY");
        try {
            // a find that should hear an answer waits long: the responder's first answer (its crypto and JSON not yet
            // loaded, compiled by C1 only) can take seconds on a loaded machine; one that should not, 3 s
            Process finder = java(nsB, "find", SUBNET + "255", "20443", publicKey, broadcast ? "30" : "3");
            assertThat(finder.waitFor(60, TimeUnit.SECONDS)).isTrue();
            String line = new String(finder.getInputStream().readAllBytes(), StandardCharsets.UTF_8).lines()
                    .filter(l -> l.startsWith("FOUND") || l.equals("NONE")).findFirst().orElse("(nothing)");
            return line;
        } finally {
            responder.getOutputStream().close();
            if (!responder.waitFor(20, TimeUnit.SECONDS)) {
                responder.destroyForcibly();
            }
        }
    }

    private Process java(String ns, String... args) throws IOException {
        List<String> cmd = new ArrayList<>(List.of("ip", "netns", "exec", ns,
                Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xshare:auto", "-XX:TieredStopAtLevel=1",
                "-cp", System.getProperty("java.class.path"), DiscoveryNetnsMain.class.getName()));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.DISCARD).start();
        started.add(p);
        return p;
    }

    private void setUpNamespaces() throws Exception {
        Assumptions.assumeTrue(System.getProperty("os.name").toLowerCase().contains("linux"), "network namespaces need Linux");
        Assumptions.assumeTrue(Files.isExecutable(Path.of("/usr/sbin/ip")) || Files.isExecutable(Path.of("/sbin/ip")),
                "skipped: no 'ip' command to make network namespaces");
        Assumptions.assumeTrue("root".equals(System.getProperty("user.name")),
                "skipped: making network namespaces needs root; run the tests as root to check broadcast discovery");
        int rc = run("ip", "netns", "add", nsA);
        Assumptions.assumeTrue(rc == 0, "skipped: 'ip netns add' failed (no CAP_SYS_ADMIN in this container?)");
        created = true;
        String vA = "okva" + tag;
        String vB = "okvb" + tag;
        for (String[] c : new String[][] {
                {"ip", "netns", "add", nsB},
                {"ip", "link", "add", vA, "type", "veth", "peer", "name", vB},
                {"ip", "link", "set", vA, "netns", nsA},
                {"ip", "link", "set", vB, "netns", nsB},
                {"ip", "-n", nsA, "addr", "add", SUBNET + "1/24", "brd", "+", "dev", vA},
                {"ip", "-n", nsB, "addr", "add", SUBNET + "2/24", "brd", "+", "dev", vB},
                {"ip", "-n", nsA, "link", "set", vA, "up"},
                {"ip", "-n", nsB, "link", "set", vB, "up"},
                {"ip", "-n", nsA, "link", "set", "lo", "up"},
                {"ip", "-n", nsB, "link", "set", "lo", "up"}}) {
            assertThat(run(c)).as(String.join(" ", c)).isZero();
        }
    }

    private static int run(String... cmd) throws Exception {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        return p.waitFor(30, TimeUnit.SECONDS) ? p.exitValue() : -1;
    }

    @AfterEach
    void tearDown() throws Exception {
        for (Process p : started) {
            p.destroyForcibly();
        }
        if (created) {
            run("ip", "netns", "del", nsA); // the veth pair goes with its namespaces
            run("ip", "netns", "del", nsB);
        }
    }
}
