package dev.outpost.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import dev.outpost.core.config.OutpostConfig;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class OpsSetupTest {
    @Test
    void theExportsS3ClientRunsOnAnEventLoopEndedWhenTheSetupCloses(@TempDir Path dir) throws Exception {
        HttpServer s3 = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        s3.createContext("/", ex -> {
            ex.sendResponseHeaders(404, -1); // whatever it asks: the call only has to reach the network
            ex.close();
        });
        s3.start();
        List<Thread> io;
        try {
            OutpostConfig config = OutpostConfig.builder().set("outpost.ops.export.bucket", "exports")
                    .set("outpost.ops.export.journal", dir.resolve("journal").toString())
                    .set("outpost.ops.export.region", "us-east-1")
                    .set("outpost.ops.export.endpoint", "http://127.0.0.1:" + s3.getAddress().getPort()).build();
            System.setProperty("aws.accessKeyId", "AKIDEXAMPLE");
            System.setProperty("aws.secretAccessKey", "secret-example");
            try (OpsSetup ops = new OpsSetup(config, true, m -> { })) {
                assertThat(ops.exportClient).isPresent();
                ops.exportClient.get().headObject(r -> r.bucket("exports").key("k")).handle((v, e) -> null).join();
                // An event loop the SDK makes is ended with Netty's 2 s quiet period, which `outpost ops -e …` waited
                // out before it exited: the export's client runs on one of the command's own, ended at once.
                io = Thread.getAllStackTraces().keySet().stream()
                        .filter(t -> t.getName().startsWith(OpsSetup.S3_IO_THREADS)).toList();
                assertThat(io).as("the S3 client's I/O threads are the command's").isNotEmpty();
            } finally {
                System.clearProperty("aws.accessKeyId");
                System.clearProperty("aws.secretAccessKey");
            }
        } finally {
            s3.stop(0);
        }
        for (Thread t : io) {
            t.join(10_000); // a bound against a hang only: they have ended when close() returns
        }
        assertThat(io).noneMatch(Thread::isAlive);
    }
}
