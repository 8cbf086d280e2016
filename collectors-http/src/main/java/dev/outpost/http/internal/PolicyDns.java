package dev.outpost.http.internal;

import dev.outpost.http.EgressDeniedException;
import dev.outpost.http.EgressPolicy;
import dev.outpost.http.Resolver;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.List;
import okhttp3.Dns;

/**
 * Resolves with the user's resolver and refuses, before any connection, a name with any answer the
 * policy forbids. OkHttp calls it for every new connection, so each connection is checked against
 * the answer it actually uses. A record, so that clients built for equal policies share pooled
 * connections (OkHttp's connection {@code Address} compares the Dns).
 */
record PolicyDns(Resolver resolver, EgressPolicy policy) implements Dns {

    @Override
    public List<InetAddress> lookup(String hostname) throws UnknownHostException {
        List<InetAddress> answers = resolver.resolve(hostname);
        if (answers == null || answers.isEmpty()) {
            throw new UnknownHostException("no address for " + hostname);
        }
        try {
            for (InetAddress a : answers) {
                policy.checkAddress(hostname, a);
            }
        } catch (EgressDeniedException e) {
            throw new Refused(e);
        }
        return List.copyOf(answers);
    }
}
