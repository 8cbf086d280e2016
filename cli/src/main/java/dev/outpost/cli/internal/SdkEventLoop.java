package dev.outpost.cli.internal;

import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import software.amazon.awssdk.http.nio.netty.NettyNioAsyncHttpClient;
import software.amazon.awssdk.http.nio.netty.SdkEventLoopGroup;

/**
 * The I/O threads of an AWS SDK client a command creates. The SDK ends an event loop it made itself with Netty's 2 s
 * quiet period, which a command closing the client waits out before it exits; this one is ended without it, once the
 * client (closed first) has closed its connections.
 */
public final class SdkEventLoop implements AutoCloseable {
    private final SdkEventLoopGroup group;

    /** On threads from {@code threads} (daemons, so that a command's exit never waits for them). */
    public SdkEventLoop(ThreadFactory threads) {
        this.group = SdkEventLoopGroup.builder().threadFactory(threads).build();
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
