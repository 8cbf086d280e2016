package dev.outpost.core.lifecycle;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.InputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

class AcceptLoopTest {

    @Test
    void whatAdmitThrowsAnErrorIncludedClosesThatConnectionOnlyAndTheLoopEndsWhenStopped() throws Exception {
        AtomicBoolean stopped = new AtomicBoolean();
        AtomicInteger calls = new AtomicInteger();
        BlockingQueue<Socket> admitted = new ArrayBlockingQueue<>(1);
        try (ServerSocket server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            Thread acceptor = new Thread(() -> AcceptLoop.run(server, stopped::get, LoggerFactory.getLogger(AcceptLoopTest.class),
                    "test server", s -> {
                        if (calls.incrementAndGet() == 1) {
                            throw new OutOfMemoryError("no thread for this connection");
                        }
                        admitted.add(s);
                    }));
            acceptor.start();
            try (Socket first = new Socket(server.getInetAddress(), server.getLocalPort());
                    Socket second = new Socket(server.getInetAddress(), server.getLocalPort())) {
                first.setSoTimeout(10_000);
                try (InputStream in = first.getInputStream()) {
                    assertThat(in.read()).as("the first connection, closed by the loop").isEqualTo(-1);
                }
                Socket taken = admitted.poll(10, TimeUnit.SECONDS);
                assertThat(taken).as("the second, taken after the first's Error").isNotNull();
                taken.close();
            }
            stopped.set(true);
            server.close();
            acceptor.join(10_000);
            assertThat(acceptor.isAlive()).isFalse();
        }
    }
}
