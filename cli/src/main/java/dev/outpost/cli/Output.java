package dev.outpost.cli;

import com.fasterxml.jackson.core.SerializableString;
import com.fasterxml.jackson.core.io.CharacterEscapes;
import com.fasterxml.jackson.core.io.SerializedString;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectWriter;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.outpost.Json;
import dev.outpost.Response;
import dev.outpost.ResponseStatus;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Prints answers as they arrive in the chosen format, keeps the counts a progress bar and the exit
 * code need, and the ids of the workers that answered; never an answer itself, so a flood of large
 * answers costs no memory past its printing. Every format prints each answer at once; {@code json}
 * writes its array an element at a time and closes it at the end.
 */
final class Output {
    private static final int CELL = 60;
    private static final ObjectWriter JSON = Json.writer().with(new TerminalEscapes());
    private static final ObjectWriter PRETTY = JSON.withDefaultPrettyPrinter();

    private final GlobalOptions.Format format;
    private final PrintWriter out;
    private final PrintWriter err;
    private final boolean progress;
    private final int expected;
    private final Set<String> workers = new HashSet<>();
    private int answered;
    private int failed;
    /** The json array's text held back: the last line of the element printed, so the cursor is at a line's start. */
    private String pending;
    private boolean headerDone;
    private boolean finished;

    Output(GlobalOptions options, PrintWriter out, PrintWriter err, int expected) {
        this.format = options.format();
        this.out = out;
        this.err = err;
        this.expected = expected;
        this.progress = expected > 1 && !options.noProgress && Terminal.isInteractive();
    }

    /** The answer as a JSON document (what jsonl prints). */
    static ObjectNode document(Response r) {
        ObjectNode o = Json.object();
        o.put("worker", r.worker());
        o.put("requestId", r.requestId());
        o.put("collector", r.collector());
        r.target().ifPresent(t -> o.put("target", t));
        o.put("status", r.status().code());
        r.result().ifPresent(v -> o.set("result", v));
        r.error().ifPresent(e -> o.set("error", Json.object().put("code", e.code()).put("message", e.message())));
        o.put("attempt", r.attempt());
        o.put("startedAt", r.startedAt().toString());
        o.put("finishedAt", r.finishedAt().toString());
        o.put("millis", Duration.between(r.startedAt(), r.finishedAt()).toMillis());
        return o;
    }

    /** Prints {@code r}; returns how many answers were printed so far (none once {@link #finish} ran). */
    synchronized int answer(Response r) {
        if (finished) {
            return answered;
        }
        answered++;
        workers.add(r.worker());
        if (r.status() != ResponseStatus.OK) {
            failed++;
        }
        clearProgress();
        switch (format) {
            case jsonl -> out.println(json(document(r)));
            case json -> jsonElement(document(r));
            case csv -> {
                if (!headerDone) {
                    out.println("worker,status,millis,result,error");
                    headerDone = true;
                }
                out.println(String.join(",", csv(r.worker()), csv(r.status().code()),
                        Long.toString(Duration.between(r.startedAt(), r.finishedAt()).toMillis()),
                        csv(r.result().map(JsonNode::toString).orElse("")),
                        csv(r.error().map(e -> e.code() + ": " + e.message()).orElse(""))));
            }
            case text -> out.println(printable(r.worker() + " " + r.status().code() + " " + value(r)));
            case table -> {
                if (!headerDone) {
                    out.println(String.format("%-24s %-8s %7s  %s", "WORKER", "STATUS", "MS", "RESULT"));
                    headerDone = true;
                }
                String value = value(r);
                out.println(String.format("%-24s %-8s %7d  %s", cell(r.worker(), 24), r.status().code(),
                        Duration.between(r.startedAt(), r.finishedAt()).toMillis(), cell(value, CELL)));
                if (expected == 1 && printable(value).length() > CELL) {
                    detail(r); // one answer (status, collectors): a person wants all of it, not a cut cell
                }
            }
        }
        drawProgress();
        out.flush();
        return answered;
    }

    /**
     * Prints {@code element} into the json array as {@link #prettyJson} prints the whole array,
     * but its last line: that comes before the next element, or the array's end. A progress bar
     * drawn after it returns to the start of the line, which must not hold JSON.
     */
    private void jsonElement(ObjectNode element) {
        String text = prettyJson(element); // an object in an array is laid out as alone: arrays' elements are not indented
        int lastLine = text.lastIndexOf('\n') + 1;
        out.print((pending == null ? "[ " : pending + ", ") + text.substring(0, lastLine));
        pending = text.substring(lastLine);
    }

    /** Prints what waits for the end (the json array, the summary line on a terminal); returns the exit code. */
    synchronized int finish(List<String> notAnswered) {
        finished = true;
        // the caller listed them before this lock: an answer printed meanwhile is not missing
        List<String> missing = notAnswered.stream().filter(w -> !workers.contains(w)).toList();
        clearProgress();
        if (format == GlobalOptions.Format.json) {
            out.println(pending == null ? prettyJson(Json.array()) : pending + " ]");
        }
        if (format == GlobalOptions.Format.table && expected > 1) {
            out.println();
            out.println(answered + " of " + expected + " answered, " + failed + " failed"
                    + (missing.isEmpty() ? "" : "; no answer from " + printable(String.join(", ", missing))));
        } else if (!missing.isEmpty()) {
            err.println("no answer from " + printable(String.join(", ", missing)));
        } else if (answered < expected && expected > 1) {
            // the exit code says fewer answered than expected: off a terminal nothing else would
            err.println(answered + " of " + expected + " expected answered, " + failed + " failed");
        }
        out.flush();
        if (answered == 0) {
            return ExitCodes.NONE_ANSWERED;
        }
        return failed > 0 || answered < expected ? ExitCodes.SOME_FAILED : ExitCodes.OK;
    }

    private void drawProgress() {
        if (!progress) {
            return;
        }
        int width = 30;
        int done = Math.min(width, expected == 0 ? width : answered * width / expected);
        err.print("\r[" + "#".repeat(done) + " ".repeat(width - done) + "] " + answered + "/" + expected + " answered, "
                + failed + " failed");
        err.flush();
    }

    private void clearProgress() {
        if (progress) {
            err.print("\r\033[K");
            err.flush(); // before the row goes out on the other stream, or the row lands after the bar
        }
    }

    /** The whole of a single answer below its row: the result as indented JSON, or the full error. */
    private void detail(Response r) {
        String full = r.result().map(JsonNode::toPrettyString)
                .orElseGet(() -> r.error().map(e -> e.code() + ": " + e.message()).orElse(""));
        full.lines().forEach(line -> out.println("  " + printable(line)));
    }

    private static String value(Response r) {
        return r.result().map(JsonNode::toString)
                .orElseGet(() -> r.error().map(e -> e.code() + ": " + e.message()).orElse(""));
    }

    private static String cell(String s, int width) {
        String oneLine = printable(s);
        return oneLine.length() <= width ? oneLine : oneLine.substring(0, width - 1) + "…";
    }

    /**
     * {@code node} as one line of JSON that cannot drive a terminal: Jackson escapes C0 controls, this
     * also escapes C1 controls, format characters (bidirectional overrides) and line separators as
     * {@code \\uXXXX}, so the printed JSON stays the same document.
     */
    static String json(JsonNode node) {
        return write(JSON, node);
    }

    /** {@link #json} indented. */
    static String prettyJson(JsonNode node) {
        return write(PRETTY, node);
    }

    private static String write(ObjectWriter writer, JsonNode node) {
        try {
            return writer.writeValueAsString(node);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException("a JSON tree could not be written", e); // a tree always can
        }
    }

    /** {@code s} made {@link #printable} line by line, its line breaks kept: a multi-line reply. */
    static String printableLines(String s) {
        return String.join(System.lineSeparator(), s.lines().map(Output::printable).toList());
    }

    /**
     * Whether {@code ch} is a control character (C0 and C1: a remote worker's text must not drive the
     * terminal), a bidirectional or other format character (it must not reorder what a person
     * reads) or a line or paragraph separator (it must not start a line of its own).
     */
    private static boolean unsafe(int ch) {
        int type = Character.getType(ch);
        return type == Character.CONTROL || type == Character.FORMAT || type == Character.LINE_SEPARATOR
                || type == Character.PARAGRAPH_SEPARATOR;
    }

    /** {@code s} with every {@linkplain #unsafe unsafe} character turned into a space. */
    static String printable(String s) {
        StringBuilder b = null;
        // by code point: format characters beyond the BMP (tag characters, invisible) come as surrogate pairs
        for (int i = 0; i < s.length(); ) {
            int ch = s.codePointAt(i);
            int next = i + Character.charCount(ch);
            if (unsafe(ch) && b == null) {
                b = new StringBuilder(s.length()).append(s, 0, i);
            }
            if (b != null) {
                if (unsafe(ch)) {
                    b.append(' ');
                } else {
                    b.append(s, i, next);
                }
            }
            i = next;
        }
        return b == null ? s : b.toString();
    }

    static String csv(String s) {
        // one line, and nothing that drives a terminal the CSV is printed on (as in tables and text)
        String clean = printable(s);
        // a cell starting with = + - @ (after blanks, once a tab was one) is a formula to a spreadsheet:
        // a remote worker must not run one there
        String start = clean.stripLeading();
        if (!start.isEmpty() && "=+-@".indexOf(start.charAt(0)) >= 0) {
            clean = "'" + clean;
        }
        // quoted at ';' too: a spreadsheet whose locale separates lists with ';' would start a cell (a formula) there
        return clean.contains(",") || clean.contains("\"") || clean.contains(";") ? '"' + clean.replace("\"", "\"\"") + '"'
                : clean;
    }

    /** Jackson's escapes, and every {@linkplain #unsafe unsafe} character as {@code \\uXXXX}. */
    private static final class TerminalEscapes extends CharacterEscapes {
        private static final long serialVersionUID = 1L;
        private final int[] ascii = asciiEscapes();

        /** Jackson's, and DEL: ASCII is escaped by this table alone, and Jackson's stops at the C0 controls. */
        private static int[] asciiEscapes() {
            int[] escapes = standardAsciiEscapesForJSON();
            escapes[0x7F] = ESCAPE_STANDARD;
            return escapes;
        }

        @Override
        public int[] getEscapeCodesForAscii() {
            return ascii;
        }

        @Override
        public SerializableString getEscapeSequence(int ch) {
            if (unsafe(ch)) {
                return new SerializedString(String.format("\\u%04x", ch));
            }
            return null;
        }
    }
}
