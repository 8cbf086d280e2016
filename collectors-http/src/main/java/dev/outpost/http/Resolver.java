package dev.outpost.http;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.List;

/**
 * Turns a host name into addresses. The collectors call it once for every new connection and
 * check each answer against the {@link EgressPolicy} before connecting to it, so an answer that
 * changes between calls (DNS rebinding) is checked every time.
 */
@FunctionalInterface
public interface Resolver {

    /**
     * The addresses of {@code host}, in the order to try them.
     *
     * @throws UnknownHostException when the name does not resolve
     */
    List<InetAddress> resolve(String host) throws UnknownHostException;

    /** The system resolver ({@link InetAddress#getAllByName(String)}). */
    static Resolver system() {
        return host -> List.of(InetAddress.getAllByName(host));
    }
}
