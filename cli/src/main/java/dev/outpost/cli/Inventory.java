package dev.outpost.cli;

import dev.outpost.core.Client;
import dev.outpost.core.config.OutpostConfig;
import dev.outpost.kv.RemoteRegistry;
import dev.outpost.kv.SqliteRegistry;
import dev.outpost.spi.Codec;
import dev.outpost.spi.Registry;
import dev.outpost.spi.Transport;
import java.nio.file.Path;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * The registry holding the fleet's inventory, as {@code outpost.ops.registry.*} names it: a local
 * SQLite file, or else the registry broker over the transport. {@code outpost ops} reads the
 * inventory from it and {@code outpost worker} registers there, so one configuration serves both.
 */
record Inventory(Registry registry, String where) {

    /** Opens it; {@code own} receives everything to close (the registry, the broker's client) in order. */
    static Inventory open(OutpostConfig config, Transport transport, Codec codec, Consumer<AutoCloseable> own) {
        Optional<Path> sqlite = config.string("outpost.ops.registry.sqlite").filter(s -> !s.isBlank()).map(Path::of);
        if (sqlite.isPresent()) {
            SqliteRegistry registry = SqliteRegistry.builder(sqlite.get()).build().start();
            own.accept(registry);
            return new Inventory(registry, "the inventory in " + sqlite.get());
        }
        String queue = config.string("outpost.ops.registry.broker-queue").orElse("kv-requests");
        // the daemon reads the reply queue of the commands run with its configuration: it takes only its own answers
        Client client = Client.builder(transport).codec(codec).configure(config).sharedReplyTo(true).requests(queue).build()
                .start();
        own.accept(client);
        RemoteRegistry registry = RemoteRegistry.builder(client).configure(config).build();
        own.accept(registry);
        return new Inventory(registry, "the inventory served by the broker on '" + queue + "'");
    }
}
