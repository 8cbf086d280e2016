package dev.outpost.bench;

import org.elasticmq.rest.sqs.SQSRestServer;
import org.elasticmq.rest.sqs.SQSRestServerBuilder;

/** ElasticMQ in a JVM of its own (for {@link SqsWorkerVsRawLoop}): prints "listening PORT", stops when stdin closes. */
public final class ElasticMqServer {
    private ElasticMqServer() {}

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
