package dev.outpost.samples;

import com.fasterxml.jackson.databind.JsonNode;
import dev.outpost.CollectorException;
import dev.outpost.Request;
import dev.outpost.Json;
import dev.outpost.spi.Collector;
import dev.outpost.spi.CollectorContext;
import java.io.IOException;
import java.nio.file.FileStore;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/** An example collector: how full is the file system holding a path. */
public final class DiskUsage implements Collector {
    private static final JsonNode SCHEMA = Json.parse("""
            {
              "type": "object",
              "properties": { "path": { "type": "string", "minLength": 1 } },
              "additionalProperties": false
            }""");

    /** The result: a record, which the worker turns into JSON. */
    public record Usage(String path, String store, long totalBytes, long usableBytes, double usedPercent) {}

    @Override
    public String name() {
        return "disk.usage";
    }

    @Override
    public String description() {
        return "Size and free space of the file system holding 'path' (default: the working directory).";
    }

    @Override
    public JsonNode paramsSchema() {
        return SCHEMA;
    }

    @Override
    public Object collect(Request request, CollectorContext context) throws IOException {
        Path path = Path.of(request.params().path("path").asText("."));
        try {
            FileStore store = Files.getFileStore(path);
            long total = store.getTotalSpace();
            long usable = store.getUsableSpace();
            double used = total == 0 ? 0 : Math.round(1000.0 * (total - usable) / total) / 10.0;
            return new Usage(path.toAbsolutePath().toString(), store.name(), total, usable, used);
        } catch (NoSuchFileException e) {
            throw CollectorException.permanent("no-such-path", "no file or directory at " + path);
        }
    }
}
