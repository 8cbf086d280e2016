package dev.outpost.http.internal;

import dev.outpost.http.EgressDeniedException;
import dev.outpost.http.EgressPolicy;
import dev.outpost.http.Resolver;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;
import okhttp3.Dns;

/**
 * Resolves with the user's resolver and refuses, before any connection, a name with any answer the
 * policy forbids. OkHttp calls it for every new connection, so each connection is checked against
 * the answer it actually uses. Identity equality: OkHttp's connection {@code Address} compares the
 * Dns, so a pooled connection is only reused by calls under the same policy.
 */
final class PolicyDns implements Dns {
    private final Resolver resolver;
    private final EgressPolicy policy;

    PolicyDns(Resolver resolver, EgressPolicy policy) {
        this.resolver = resolver;
        this.policy = policy;
    }

    @Override
    public List<InetAddress> lookup(String hostname) throws UnknownHostException {
        List<InetAddress> answers = resolver.resolve(hostname);
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
}
