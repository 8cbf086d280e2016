package dev.outpost.sqs;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * {@code outpost.sqs.http-client: crt} where the environment lacks something, each in a child JVM
 * ({@link CrtBuildMain}) whose class path or environment is cut: the error a user gets names what is missing.
 */
class CrtHttpClientTest {

    private static final String CP = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));

    /** Runs {@link CrtBuildMain} with no AWS region or profile anywhere, on {@code cp}; its output. */
    private static String child(String cp, String... keys) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Daws.disableEc2Metadata=true", "-Daws.configFile=/nonexistent/config",
                "-Daws.sharedCredentialsFile=/nonexistent/credentials", "-cp", cp, CrtBuildMain.class.getName()));
        cmd.addAll(Arrays.asList(keys));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        pb.environment().keySet().removeIf(k -> k.startsWith("AWS_"));
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        return Arrays.stream(out.split("\n")).filter(l -> !l.contains("DEBUG")).collect(Collectors.joining("\n"));
    }

    private static String without(String jarPrefix) {
        return Arrays.stream(CP.split(File.pathSeparator))
                .filter(e -> !Path.of(e).getFileName().toString().startsWith(jarPrefix))
                .collect(Collectors.joining(File.pathSeparator));
    }

    @Test
    void crtWithoutItsClassesIsAConfigErrorNamingTheKeyWhateverTheCaseAndSpaces() throws Exception {
        assertThat(child(without("aws-crt"), "outpost.sqs.http-client= CRT ", "outpost.sqs.region=us-east-1"))
                .contains("error: dev.outpost.ConfigException").contains("outpost.sqs.http-client")
                .contains("aws-crt-client on the class path");
    }

    /** aws-crt-client without the runtime it is built on (software.amazon.awssdk.crt:aws-crt, excluded or shaded away). */
    @Test
    void crtWithoutTheRuntimeJarIsAConfigErrorNamingTheKey() throws Exception {
        assertThat(child(without("aws-crt-0"), "outpost.sqs.http-client=crt", "outpost.sqs.region=us-east-1",
                "outpost.sqs.endpoint=http://127.0.0.1:1"))
                .contains("error: dev.outpost.ConfigException").contains("outpost.sqs.http-client")
                .contains("software.amazon.awssdk.crt:aws-crt");
    }

    /** No region anywhere is the same error as on Netty, not blamed on the CRT (whose advice, netty, would not help). */
    @Test
    void aMissingRegionIsNotBlamedOnTheCrt() throws Exception {
        String crt = child(CP, "outpost.sqs.http-client=crt", "outpost.sqs.endpoint=http://127.0.0.1:1");
        assertThat(crt).contains("Unable to load region").doesNotContain("Common Runtime").doesNotContain("netty");
    }
}
