package dev.outpost.kv.internal;

import dev.outpost.Response;
import dev.outpost.core.Client;
import java.util.Map;
import java.util.WeakHashMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The answers remote registries wait for, one table per {@link Client}, filled by one response
 * listener per client. A client cannot remove a listener: one per registry piled up on a
 * long-lived client as registries were built and closed, each kept for good and called for every
 * unmatched answer. Request ids are unique, so every registry on a client can share the table.
 */
public final class ClientAnswers {
    /** Weak keys: the table and its listener must not keep a client nobody else holds. */
    private static final Map<Client, Map<String, CompletableFuture<Response>>> TABLES = new WeakHashMap<>();

    private ClientAnswers() {
    }

    /** The table of calls waiting on {@code client}: put a future under a request id, remove it when done. */
    public static Map<String, CompletableFuture<Response>> of(Client client) {
        synchronized (TABLES) {
            Map<String, CompletableFuture<Response>> waiting = TABLES.get(client);
            if (waiting == null) {
                Map<String, CompletableFuture<Response>> table = new ConcurrentHashMap<>();
                // holds the table only: the client stays weakly reachable from here
                client.onResponse(r -> {
                    CompletableFuture<Response> f = table.get(r.requestId());
                    if (f != null) {
                        f.complete(r);
                    }
                });
                TABLES.put(client, table);
                waiting = table;
            }
            return waiting;
        }
    }
}
