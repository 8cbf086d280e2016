package dev.outpost.bench;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.elasticmq.rest.sqs.SQSRestServer;
import org.elasticmq.rest.sqs.SQSRestServerBuilder;

/** ElasticMQ in a JVM of its own (for the SQS benchmarks): prints "listening PORT", stops when stdin closes. */
public final class ElasticMqServer {
    private ElasticMqServer() {}

    /** A server started by {@link #spawn()}: its process (its CPU is apart from the benchmark's) and port. */
    record Spawned(Process process, int port) implements AutoCloseable {
        /** Closes its stdin, which stops it; kills it past 10 s. */
        @Override
        public void close() throws IOException, InterruptedException {
            process.getOutputStream().close();
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        }
    }

    /** Starts ElasticMQ in a JVM of its own on this class path, and waits until it listens. */
    static Spawned spawn() throws IOException {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process server = new ProcessBuilder(java, "-Xmx512m", "-cp", System.getProperty("java.class.path"),
                ElasticMqServer.class.getName()).redirectError(ProcessBuilder.Redirect.DISCARD).start();
        BufferedReader out = new BufferedReader(new InputStreamReader(server.getInputStream(), StandardCharsets.UTF_8));
        return new Spawned(server, Integer.parseInt(out.readLine().substring("listening ".length()).trim()));
    }

    public static void main(String[] args) throws Exception {
        SQSRestServer server = SQSRestServerBuilder.withInterface("127.0.0.1").withPort(0).start();
        System.out.println("listening " + server.waitUntilStarted().localAddress().getPort());
        System.out.flush();
        while (System.in.read() >= 0) {
            // wait for the parent to close our stdin
        }
        server.stopAndWait();
        System.exit(0);
    }
}
