package dev.outpost.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.outpost.Json;
import dev.outpost.Request;
import dev.outpost.spi.Collector;
import dev.outpost.spi.CollectorContext;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardWatchEventKinds;
import java.nio.file.WatchService;
import java.util.Map;

/**
 * Found by a worker daemon's class-path discovery in the process tests: takes a while, so a SIGTERM
 * finds work in flight.
 *
 * <p>Its delay is real time on purpose, not a test clock's: it runs inside {@code outpost worker},
 * a separate JVM that the process tests (CliProcessTest, WorkerDaemonChaosTest) start and signal,
 * where no clock of the test can reach, and what it stands for, work still running when a real
 * SIGTERM or SIGKILL arrives and a drain bounded by the daemon's real drain timeout, happens in
 * real time. The sleep is the work itself, not a wait for something; {@code holdWhile} is how a
 * test ends it from outside, and the run waits for that file's deletion as an event.
 */
public final class SlowCollector implements Collector {
    @Override
    public String name() {
        return "test.slow";
    }

    @Override
    public String description() {
        return "works (sleeps) for params.ms (default 300), then runs on while the file params.holdWhile exists";
    }

    @Override
    public JsonNode paramsSchema() {
        return Json.anyObjectSchema();
    }

    @Override
    public Object collect(Request request, CollectorContext context) throws Exception {
        // params.startedIn: a directory where each run leaves a file named after its request, as it starts
        if (request.params().hasNonNull("startedIn")) {
            Files.createFile(Path.of(request.params().get("startedIn").asText()).resolve(request.id()));
        }
        Thread.sleep(request.params().path("ms").asLong(300));
        // params.holdWhile: a file; the run goes on while it exists (a worker killed now holds the request)
        if (request.params().hasNonNull("holdWhile")) {
            Path hold = Path.of(request.params().get("holdWhile").asText()).toAbsolutePath();
            try (WatchService deletions = hold.getFileSystem().newWatchService()) {
                hold.getParent().register(deletions, StandardWatchEventKinds.ENTRY_DELETE);
                // watched before the check: a deletion after it is an event take() returns
                while (Files.exists(hold)) {
                    var key = deletions.take(); // interruptible: the worker's deadline or drain ends the run
                    key.pollEvents();
                    key.reset();
                }
            }
        }
        return Map.of("slept", true);
    }
}
