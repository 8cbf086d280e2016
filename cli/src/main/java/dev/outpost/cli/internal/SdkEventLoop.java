package dev.outpost.cli.internal;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import software.amazon.awssdk.http.nio.netty.NettyNioAsyncHttpClient;
import software.amazon.awssdk.http.nio.netty.SdkEventLoopGroup;

/**
 * The I/O threads of an AWS SDK client a command creates. The SDK ends an event loop it made itself with Netty's 2 s
 * quiet period, which a command closing the client waits out before it exits; this one is ended without it, once the
 * client (closed first) has closed its connections.
 */
public final class SdkEventLoop implements AutoCloseable {
    private final SdkEventLoopGroup group;

    /** Daemon threads named {@code prefix} and a number. */
    public SdkEventLoop(String prefix) {
        AtomicInteger n = new AtomicInteger();
        this.group = SdkEventLoopGroup.builder().threadFactory(r -> {
            Thread t = new Thread(r, prefix + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        }).build();
    }

    /** An HTTP client builder on this loop, for the SDK client's {@code httpClientBuilder}. */
    public NettyNioAsyncHttpClient.Builder httpClient() {
        return NettyNioAsyncHttpClient.builder().eventLoopGroup(group);
    }

    @Override
    public void close() {
        group.eventLoopGroup().shutdownGracefully(0, 5, TimeUnit.SECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS);
    }
}
