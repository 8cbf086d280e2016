package dev.outpost.http.internal;

import dev.outpost.http.EgressDeniedException;
import dev.outpost.http.EgressPolicy;
import dev.outpost.http.Resolver;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.FutureTask;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import okhttp3.Dns;

/**
 * Resolves with the user's resolver and refuses, before any connection, a name with any answer the
 * policy forbids. OkHttp calls it for every new connection, so each connection is checked against
 * the answer it actually uses. Identity equality: OkHttp's connection {@code Address} compares the
 * Dns, so a pooled connection is only reused by calls under the same policy.
 */
final class PolicyDns implements Dns {
    /**
     * When the fetch on this thread must end ({@link System#nanoTime()}), set by the fetcher around
     * each call: a resolver cannot be interrupted (the system one waits on the OS, whose retries a
     * silent name server stretches to tens of seconds) nor cancelled with the call, so the lookup
     * runs on {@code lookups} and the fetch stops waiting for it then.
     */
    static final ThreadLocal<Long> DEADLINE = new ThreadLocal<>();

    private final Resolver resolver;
    private final EgressPolicy policy;
    private final Executor lookups;

    PolicyDns(Resolver resolver, EgressPolicy policy) {
        this(resolver, policy, Runnable::run);
    }

    PolicyDns(Resolver resolver, EgressPolicy policy, Executor lookups) {
        this.resolver = resolver;
        this.policy = policy;
        this.lookups = lookups;
    }

    /** The lookup ran out of the fetch's time, or the fetch was interrupted while it waited. */
    static final class TimedOut extends UnknownHostException {
        private static final long serialVersionUID = 1L;

        TimedOut(String host) {
            super("resolving " + host + " did not finish in the time left");
        }
    }

    @Override
    public List<InetAddress> lookup(String hostname) throws UnknownHostException {
        List<InetAddress> answers = resolve(hostname);
        if (answers == null || answers.isEmpty()) {
            throw new UnknownHostException("no address for " + hostname);
        }
        List<InetAddress> named = new ArrayList<>(answers.size());
        try {
            for (InetAddress a : answers) {
                policy.checkAddress(hostname, a);
                // Named, so that the socket check sees the host name (an allow-hosts entry) and not a bare address.
                named.add(InetAddress.getByAddress(hostname, a.getAddress()));
            }
        } catch (EgressDeniedException e) {
            throw new Refused(e);
        }
        return List.copyOf(named);
    }

    private List<InetAddress> resolve(String hostname) throws UnknownHostException {
        Long deadline = DEADLINE.get();
        if (deadline == null) {
            return resolver.resolve(hostname);
        }
        FutureTask<List<InetAddress>> task = new FutureTask<>(() -> resolver.resolve(hostname));
        try {
            lookups.execute(task);
            return task.get(deadline - System.nanoTime(), TimeUnit.NANOSECONDS);
        } catch (TimeoutException | RejectedExecutionException e) {
            task.cancel(true);
            throw new TimedOut(hostname);
        } catch (InterruptedException e) {
            task.cancel(true);
            Thread.currentThread().interrupt();
            throw new TimedOut(hostname);
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof UnknownHostException u) {
                throw u;
            }
            if (cause instanceof RuntimeException r) {
                throw r;
            }
            if (cause instanceof Error err) {
                throw err;
            }
            throw new IllegalStateException("the resolver failed", cause);
        }
    }
}
