package dev.outpost.http.internal;

import dev.outpost.CollectorException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.LongSupplier;
import org.jsoup.nodes.CDataNode;
import org.jsoup.nodes.Document;
import org.jsoup.nodes.Element;
import org.jsoup.nodes.Node;
import org.jsoup.nodes.TextNode;
import org.jsoup.select.Collector;
import org.jsoup.select.Elements;
import org.jsoup.select.Evaluator;
import org.jsoup.select.NodeFilter;
import org.jsoup.select.NodeTraversor;

/**
 * The bounds of one {@code http.html} extraction: one output budget, in characters, shared by every
 * value the result carries, and a deadline that selector matching and text gathering check as they
 * go. Values are computed only up to what the budget has left, so nested matches (each repeating
 * the document below it) cost what is returned, not the document's size times the matches.
 * Not thread-safe: one per request.
 */
public final class Extraction {
    /** Elements nested deeper than this are cut from the parsed page (and the page flagged truncated). */
    public static final int MAX_DEPTH = 256;
    /** What each list entry costs on top of its strings (field names and punctuation in the JSON). */
    static final int ENTRY_COST = 16;
    private static final int CHECK_EVERY = 256;
    private static final int TEXT_CHUNK = 8192;

    private final long deadlineNanos;
    private final String host;
    private final LongSupplier ticker;
    private long remaining;
    private boolean truncated;
    private int ticks;

    /**
     * @param budgetChars characters the whole result may carry
     * @param deadlineNanos {@link System#nanoTime()} past which the extraction fails
     * @param host the page's host, for messages
     */
    public Extraction(long budgetChars, long deadlineNanos, String host) {
        this(budgetChars, deadlineNanos, host, System::nanoTime);
    }

    /** With the time from {@code ticker} (tests: a fake one), in which {@code deadlineNanos} is. */
    Extraction(long budgetChars, long deadlineNanos, String host, LongSupplier ticker) {
        this.remaining = Math.max(0, budgetChars);
        this.deadlineNanos = deadlineNanos;
        this.host = host;
        this.ticker = ticker;
    }

    /** Whether the budget ran out: some values were cut or left out. */
    public boolean truncated() {
        return truncated;
    }

    /** Whether nothing more fits. */
    public boolean exhausted() {
        return remaining <= 0;
    }

    /** Charges one list entry; false (and flagged) when it does not fit. */
    public boolean entry() {
        if (remaining < ENTRY_COST) {
            remaining = 0;
            truncated = true;
            return false;
        }
        remaining -= ENTRY_COST;
        return true;
    }

    /** {@code s} cut to {@code max} and to what the budget has left, and charged. */
    public String take(String s, int max) {
        int limit = (int) Math.min(max, remaining);
        String out = cut(s, limit);
        if (out.length() < s.length() && limit < max) {
            truncated = true;
        }
        remaining -= out.length();
        return out;
    }

    /** The normalised text of {@code e} (as jsoup's {@code Element.text()}), at most {@code max} characters, charged. */
    public String text(Element e, int max) {
        int limit = (int) Math.min(max, remaining);
        StringBuilder sb = new StringBuilder(Math.min(limit, 256));
        boolean[] full = {false};
        NodeTraversor.filter(new NodeFilter() {
            @Override
            public FilterResult head(Node node, int depth) {
                tick();
                if (node instanceof TextNode t) {
                    appendText(sb, t, limit);
                } else if (node instanceof Element el && sb.length() > 0 && (el.isBlock() || el.nameIs("br")) && !endsWithSpace(sb)) {
                    sb.append(' ');
                }
                if (sb.length() > limit) {
                    full[0] = true;
                    return FilterResult.STOP;
                }
                return FilterResult.CONTINUE;
            }

            @Override
            public FilterResult tail(Node node, int depth) {
                if (node instanceof Element el && el.isBlock() && !endsWithSpace(sb)) {
                    Node next = node.nextSibling();
                    if (next instanceof TextNode || next instanceof Element n && !n.tag().formatAsBlock()) {
                        sb.append(' ');
                    }
                }
                return FilterResult.CONTINUE;
            }
        }, e);
        String text = sb.toString().strip();
        if (full[0] || text.length() > limit) {
            if (limit < max) {
                truncated = true;
            }
            text = cut(text, limit);
        }
        remaining -= text.length();
        return text;
    }

    private static void appendText(StringBuilder sb, TextNode t, int limit) {
        String whole = t.getWholeText();
        boolean preserve = t instanceof CDataNode || preservesWhitespace(t.parent());
        // In chunks, so that a long text node costs what is kept, not its whole length.
        for (int from = 0; from < whole.length() && sb.length() <= limit; from += TEXT_CHUNK) {
            String chunk = whole.substring(from, Math.min(whole.length(), from + TEXT_CHUNK));
            if (preserve) {
                sb.append(chunk);
            } else {
                appendNormalised(sb, chunk, endsWithSpace(sb));
            }
        }
    }

    /** Collapses white space (and no-break space) runs to one space and drops invisible characters, as jsoup's text() does. */
    private static void appendNormalised(StringBuilder sb, String s, boolean stripLeading) {
        boolean lastWasWhite = false;
        boolean reachedNonWhite = false;
        for (int i = 0; i < s.length(); ) {
            int c = s.codePointAt(i);
            i += Character.charCount(c);
            if (c == ' ' || c == '\t' || c == '\n' || c == '\f' || c == '\r' || c == 160) {
                if ((stripLeading && !reachedNonWhite) || lastWasWhite) {
                    continue;
                }
                sb.append(' ');
                lastWasWhite = true;
            } else if (c != 8203 && c != 173) { // zero-width space, soft hyphen
                sb.appendCodePoint(c);
                lastWasWhite = false;
                reachedNonWhite = true;
            }
        }
    }

    private static boolean preservesWhitespace(Node node) {
        Node n = node;
        for (int i = 0; i < 6 && n instanceof Element el; i++) {
            if (el.tag().preserveWhitespace()) {
                return true;
            }
            n = el.parent();
        }
        return false;
    }

    private static boolean endsWithSpace(StringBuilder sb) {
        return sb.length() > 0 && sb.charAt(sb.length() - 1) == ' ';
    }

    /** The outer HTML of {@code e}, at most {@code max} characters, charged. */
    public String outerHtml(Element e, int max) {
        int limit = (int) Math.min(max, remaining);
        Bounded out = new Bounded(limit);
        try {
            out.append('<').append(e.tagName()).append(e.attributes().html()).append('>');
            if (!(e.tag().isSelfClosing() && e.childNodeSize() == 0)) {
                e.html(out);
                out.append("</").append(e.tagName()).append('>');
            }
        } catch (Bounded.Full full) {
            if (limit < max) {
                truncated = true;
            }
        }
        String html = out.sb.toString();
        remaining -= html.length();
        return html;
    }

    /**
     * Elements of {@code doc} that {@code evaluator} matches, checking the deadline as it goes: every
     * few matches, or before each one when a match may cost a whole subtree ({@code :contains*}
     * gathers the element's text, {@code :has} walks below it), so that at most one match runs
     * past the deadline.
     */
    public Elements select(Document doc, Evaluator evaluator) {
        boolean costly = costly(evaluator);
        Evaluator guarded = new Evaluator() {
            @Override
            public boolean matches(Element root, Element element) {
                if (costly) {
                    check(); // on an ancestor of a large page one match is worth thousands of cheap ones
                } else {
                    tick();
                }
                return evaluator.matches(root, element);
            }

            @Override
            public String toString() {
                return evaluator.toString();
            }
        };
        try {
            return Collector.collect(guarded, doc);
        } finally {
            // jsoup memoises structural matches in thread-locals until the next reset; collecting on
            // an empty element resets them, so the page is not kept alive by a worker thread.
            Collector.collect(evaluator, new Element("outpost-reset"));
        }
    }

    /** Whether one match of {@code evaluator} may cost the whole subtree below the element. */
    static boolean costly(Evaluator evaluator) {
        String s = evaluator.toString().toLowerCase(Locale.ROOT);
        return s.contains(":contains") || s.contains(":has(");
    }

    /** Checks the deadline and the interrupt flag every few calls. */
    void tick() {
        if (++ticks % CHECK_EVERY == 0) {
            check();
        }
    }

    private void check() {
        if (Thread.currentThread().isInterrupted()) {
            throw new CollectorException("interrupted", "extracting from the page of " + host + " was interrupted", true, null);
        }
        if (ticker.getAsLong() - deadlineNanos > 0) {
            throw CollectorException.permanent("too-slow", "the selectors did not finish on the page of " + host
                    + " within the time left (timeoutMs, or the worker's deadline); use simpler selectors");
        }
    }

    /**
     * Cuts every element nested deeper than {@link #MAX_DEPTH}; returns whether anything was cut.
     * Bounds the cost of selectors whose work grows with depth (descendant combinators, {@code :has}).
     */
    public static boolean limitDepth(Document doc) {
        List<Element> cut = new ArrayList<>();
        NodeTraversor.filter(new NodeFilter() {
            @Override
            public FilterResult head(Node node, int depth) {
                if (depth >= MAX_DEPTH && node instanceof Element el && el.childNodeSize() > 0) {
                    cut.add(el);
                    return FilterResult.SKIP_CHILDREN;
                }
                return FilterResult.CONTINUE;
            }
        }, doc);
        cut.forEach(Element::empty);
        return !cut.isEmpty();
    }

    static String cut(String s, int max) {
        if (s.length() <= max) {
            return s;
        }
        int end = Math.max(0, max);
        if (end > 0 && Character.isHighSurrogate(s.charAt(end - 1))) {
            end--;
        }
        return s.substring(0, end);
    }

    /** Whether a parsed selector uses a regular expression, in any spelling jsoup accepts. */
    public static boolean usesRegex(String css, Evaluator parsed) {
        for (String s : new String[] {css.toLowerCase(Locale.ROOT), parsed.toString().toLowerCase(Locale.ROOT)}) {
            if (s.contains(":matches") || s.contains(":matchtext") || s.contains("~=")) {
                return true;
            }
        }
        return false;
    }

    /** Counts {@code :has} in a parsed selector. */
    public static int hasCount(Evaluator parsed) {
        String s = parsed.toString().toLowerCase(Locale.ROOT);
        int n = 0;
        for (int i = s.indexOf(":has("); i >= 0; i = s.indexOf(":has(", i + 1)) {
            n++;
        }
        return n;
    }

    /**
     * Whether what follows {@code :has(} in a parsed selector scans an element's siblings: {@code ~},
     * {@code :nth-*}, {@code *-of-type}, {@code :only-child}. Each costs up to the number of siblings,
     * and {@code :has} runs it for every element below the one matched, in one match: quadratic work
     * that the deadline, checked between matches, cannot stop. Everything after {@code :has(} counts
     * (an attribute value may hold a parenthesis), so a sibling combinator after a {@code :has} is refused too.
     */
    public static boolean scansSiblingsInHas(Evaluator parsed) {
        String s = parsed.toString().toLowerCase(Locale.ROOT);
        int has = s.indexOf(":has(");
        if (has < 0) {
            return false;
        }
        String after = s.substring(has);
        return after.contains("~") || after.contains(":nth-") || after.contains("-of-type") || after.contains(":only-child");
    }

    /** An Appendable that stops the serialiser once it holds {@code limit} characters. */
    private static final class Bounded implements Appendable {
        static final class Full extends RuntimeException {
            private static final long serialVersionUID = 1L;

            Full() {
                super(null, null, false, false);
            }
        }

        final StringBuilder sb = new StringBuilder();
        final int limit;

        Bounded(int limit) {
            this.limit = limit;
        }

        @Override
        public Bounded append(CharSequence csq) {
            return append(csq, 0, csq.length());
        }

        @Override
        public Bounded append(CharSequence csq, int start, int end) {
            int room = limit - sb.length();
            if (end - start > room) {
                sb.append(csq, start, start + Math.max(0, room));
                if (sb.length() > 0 && Character.isHighSurrogate(sb.charAt(sb.length() - 1))) {
                    sb.setLength(sb.length() - 1);
                }
                throw new Full();
            }
            sb.append(csq, start, end);
            return this;
        }

        @Override
        public Bounded append(char c) {
            if (sb.length() >= limit) {
                throw new Full();
            }
            sb.append(c);
            return this;
        }
    }
}
