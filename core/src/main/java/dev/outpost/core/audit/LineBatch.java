package dev.outpost.core.audit;

import dev.outpost.core.internal.JsonBytes;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/** The {@link AuditLog} writer's batch of lines: rendered end to end in UTF-8, then handed to the sink. Writer thread only. */
final class LineBatch {
    private final AuditLines format;
    /** The lines, each ending in a newline. */
    private final JsonBytes lines = new JsonBytes(64 * 1024);
    /** Where each line ends (after its newline). */
    private final int[] ends;
    private int count;

    LineBatch(AuditLines format, int capacity) {
        this.format = format;
        this.ends = new int[capacity];
    }

    /** Renders {@code e} as the next line; on a failure nothing is added and the failure is thrown. */
    void add(AuditEvent e) {
        int from = lines.length();
        try {
            format.render(e, lines);
            lines.ascii('\n');
        } catch (Throwable t) {
            lines.setLength(from);
            throw t;
        }
        ends[count++] = lines.length();
    }

    int count() {
        return count;
    }

    /** The file sink takes the bytes as they are; another sink gets each line as a string. */
    void writeTo(AuditSink sink) throws IOException {
        if (sink instanceof JsonLinesFileSink file) {
            file.write(lines.array(), ends, count);
            return;
        }
        List<String> out = new ArrayList<>(count);
        for (int i = 0, from = 0; i < count; from = ends[i++]) {
            out.add(lines.text(from, ends[i] - 1));
        }
        sink.write(out);
    }

    void clear() {
        count = 0;
        lines.clear(1 << 20); // a batch of huge params must not pin its buffer
    }
}
