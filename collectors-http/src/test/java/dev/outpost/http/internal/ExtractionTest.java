package dev.outpost.http.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.outpost.CollectorException;
import java.util.concurrent.TimeUnit;
import org.jsoup.Jsoup;
import org.jsoup.nodes.Document;
import org.jsoup.nodes.Element;
import org.jsoup.select.Evaluator;
import org.jsoup.select.QueryParser;
import org.junit.jupiter.api.Test;

/** The extraction's bounds on their own, on pages parsed here. */
class ExtractionTest {
    private static final long NO_DEADLINE = Long.MAX_VALUE / 4;

    private static Extraction unbounded() {
        return new Extraction(Long.MAX_VALUE, System.nanoTime() + NO_DEADLINE, "test");
    }

    @Test
    void boundedTextIsJsoupsTextForEveryElement() {
        Document doc = Jsoup.parse("""
                <body><h1>Title <b>bold</b></h1><p>one  two<br>three</p><div>block</div>tail <span>inline</span>
                <pre>  keep   spaces
                 here </pre><ul><li>a</li><li>b <i>c</i></li></ul><table><tr><td>x</td><td>y</td></tr></table>
                <![CDATA[ raw  cdata ]]> <div><div>in</div>after</div>&nbsp;&amp;&lt; soft&shy;hyphen zero&#8203;width \t\r\n tabs
                <p>&nbsp; lead</p><textarea>  kept  </textarea><p>😀 emoji</p></body>""");
        for (Element e : doc.getAllElements()) {
            assertThat(unbounded().text(e, Integer.MAX_VALUE)).as(e.tagName()).isEqualTo(e.text());
        }
    }

    @Test
    void oneBudgetForEverything() {
        Document doc = Jsoup.parse("<p>" + "x".repeat(100) + "</p><p>" + "y".repeat(100) + "</p>");
        Extraction x = new Extraction(150, System.nanoTime() + NO_DEADLINE, "test");
        Element first = doc.selectFirst("p");
        assertThat(x.text(first, Integer.MAX_VALUE)).hasSize(100);
        assertThat(x.truncated()).isFalse();
        assertThat(x.outerHtml(doc.select("p").get(1), Integer.MAX_VALUE)).isEqualTo("<p>" + "y".repeat(47));
        assertThat(x.truncated()).isTrue();
        assertThat(x.exhausted()).isTrue();
        assertThat(x.take("more", 10)).isEmpty();
        assertThat(x.entry()).isFalse();
    }

    @Test
    void aPerValueLimitIsNotAnOutputTruncation() {
        Extraction x = unbounded();
        assertThat(x.take("abcdef", 3)).isEqualTo("abc");
        assertThat(x.text(Jsoup.parse("<p>abcdef</p>").selectFirst("p"), 3)).isEqualTo("abc");
        assertThat(x.truncated()).isFalse();
    }

    @Test
    void selectionStopsAtTheDeadline() {
        Document doc = Jsoup.parse("<div></div>".repeat(2000));
        Extraction late = new Extraction(1000, System.nanoTime() - 1, "late.example");
        assertThatThrownBy(() -> late.select(doc, QueryParser.parse("div")))
                .isInstanceOfSatisfying(CollectorException.class, e -> {
                    assertThat(e.code()).isEqualTo("too-slow");
                    assertThat(e.isRetryable()).isFalse();
                    assertThat(e.getMessage()).contains("late.example");
                });
        assertThat(unbounded().select(doc, QueryParser.parse("div"))).hasSize(2000);
    }

    @Test
    void aCostlyMatchIsNotRepeatedPastTheDeadline() {
        // each :contains on an ancestor costs that ancestor's whole text: here 10 ms a match, on a fake ticker
        Document doc = Jsoup.parse("<div>".repeat(200) + "text" + "</div>".repeat(200));
        long[] now = {0};
        int[] calls = {0};
        Evaluator contains = QueryParser.parse("div:contains(needle)");
        Evaluator costly = new Evaluator() {
            @Override
            public boolean matches(Element root, Element element) {
                if (element.ownerDocument() == doc) { // not the reset on an empty element afterwards
                    calls[0]++;
                    now[0] += TimeUnit.MILLISECONDS.toNanos(10);
                }
                return contains.matches(root, element);
            }

            @Override
            public String toString() {
                return contains.toString();
            }
        };
        Extraction x = new Extraction(1000, TimeUnit.MILLISECONDS.toNanos(100), "big.example", () -> now[0]);
        assertThatThrownBy(() -> x.select(doc, costly)).isInstanceOfSatisfying(CollectorException.class,
                e -> assertThat(e.code()).isEqualTo("too-slow"));
        // before: the deadline was first looked at after 256 matches, 2.5 s of work past a 100 ms deadline
        assertThat(calls[0]).as("matches run").isLessThanOrEqualTo(11);
        assertThat(now[0]).isLessThanOrEqualTo(TimeUnit.MILLISECONDS.toNanos(110));
    }

    @Test
    void selectionStopsWhenInterrupted() {
        Document doc = Jsoup.parse("<div></div>".repeat(2000));
        Thread.currentThread().interrupt();
        try {
            assertThatThrownBy(() -> unbounded().select(doc, QueryParser.parse("div")))
                    .isInstanceOfSatisfying(CollectorException.class, e -> {
                        assertThat(e.code()).isEqualTo("interrupted");
                        assertThat(e.isRetryable()).isTrue();
                    });
            assertThat(Thread.currentThread().isInterrupted()).isTrue();
        } finally {
            Thread.interrupted();
        }
    }

    @Test
    void depthIsLimited() {
        Document doc = Jsoup.parse("<div>".repeat(1000) + "x");
        assertThat(Extraction.limitDepth(doc)).isTrue();
        assertThat(doc.select("div").size()).isLessThan(Extraction.MAX_DEPTH);
        assertThat(Extraction.limitDepth(Jsoup.parse("<div><p>shallow</p></div>"))).isFalse();
    }
}
