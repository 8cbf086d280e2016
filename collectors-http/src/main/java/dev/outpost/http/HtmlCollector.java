package dev.outpost.http;

import com.fasterxml.jackson.databind.JsonNode;
import dev.outpost.CollectorException;
import dev.outpost.Request;
import dev.outpost.http.internal.Bodies;
import dev.outpost.http.internal.Core;
import dev.outpost.http.internal.Extraction;
import dev.outpost.http.internal.FetchResult;
import dev.outpost.http.internal.FetchSpec;
import dev.outpost.spi.Collector;
import dev.outpost.spi.CollectorContext;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.jsoup.Jsoup;
import org.jsoup.nodes.Document;
import org.jsoup.nodes.Element;
import org.jsoup.select.Evaluator;
import org.jsoup.select.QueryParser;
import org.jsoup.select.Selector;

/**
 * {@code http.html}: fetches a page like {@code http.request} (GET, same egress policy and limits)
 * and returns what is in it as an {@link HtmlResult}: title, meta tags, canonical URL, links,
 * headings, forms, scripts, images, a text excerpt, and the values of named CSS selectors.
 * Malformed HTML is parsed as a browser would. Thread-safe; close it to release pooled connections.
 *
 * <p>Params (schema {@code http-html.schema.json}): {@code url} (required), {@code headers},
 * {@code connectTimeoutMs}, {@code readTimeoutMs}, {@code timeoutMs}, {@code followRedirects},
 * {@code maxRedirects}, {@code maxBytes}, {@code textChars} (default 1000), {@code maxItems}
 * (default 200), and {@code select}: name to a CSS selector (the text of each match), or to
 * {@code {"css": ..., "attr": NAME}} (an attribute; URL attributes made absolute with {@code abs:NAME}),
 * {@code {"css": ..., "html": true}} (the outer HTML), with an optional {@code limit}. At most
 * {@value #MAX_SELECTORS} selectors of {@value #MAX_SELECTOR_LENGTH} characters; regular-expression
 * selectors ({@code :matches...}, {@code [attr~=...]}), more than one {@code :has}, and selectors
 * that scan siblings ({@code ~}, {@code :nth-*}, {@code :*-of-type}, {@code :only-child}) inside or
 * after a {@code :has} are refused.
 * Every value of the result shares one output budget of {@code maxBytes} characters
 * ({@link HtmlResult#outputTruncated()} says when it ran out).
 *
 * <p>Failures are those of {@link HttpRequestCollector}, plus {@code not-html} (permanent) when
 * the response is neither HTML, XML nor text, {@code too-slow} (permanent) when the selectors did not
 * finish within the deadline, and {@code interrupted} (retryable).
 */
public final class HtmlCollector implements Collector, AutoCloseable {
    /** The collector's name. */
    public static final String NAME = "http.html";
    /** Default length of the text excerpt. */
    public static final int DEFAULT_TEXT_CHARS = 1000;
    /** Default number of entries per list. */
    public static final int DEFAULT_MAX_ITEMS = 200;
    /** Most selectors in one request's {@code select}. */
    public static final int MAX_SELECTORS = 20;
    /** Longest CSS selector, in characters. */
    public static final int MAX_SELECTOR_LENGTH = 256;
    /** Longest text of one link or heading, in characters. */
    static final int MAX_ITEM_TEXT = 500;

    private static final JsonNode SCHEMA = Core.schema(HtmlCollector.class, "http-html.schema.json");

    private final Core core;

    /** A collector with {@link HttpOptions#defaults()}; what {@link java.util.ServiceLoader} makes. */
    public HtmlCollector() {
        this(HttpOptions.defaults());
    }

    private HtmlCollector(HttpOptions options) {
        this.core = new Core(Objects.requireNonNull(options, "options"), options.threadFactory());
    }

    /** A collector with explicit options (egress policy, resolver, timeouts, limits, TLS trust). */
    public static HtmlCollector create(HttpOptions options) {
        return new HtmlCollector(options);
    }

    /** The options it was built with (settings from configuration apply on top, per run). */
    public HttpOptions options() {
        return core.options();
    }

    /** {@inheritDoc} Applies them to the options, so a bad setting fails when the worker is built. */
    @Override
    public void validateSettings(java.util.Map<String, String> settings) {
        core.validateSettings(settings);
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public String description() {
        return "Fetches an HTML page from an allowed destination and extracts title, meta, links, headings, forms and CSS selections";
    }

    @Override
    public JsonNode paramsSchema() {
        return SCHEMA.deepCopy();
    }

    @Override
    public HtmlResult collect(Request request, CollectorContext context) {
        HttpOptions eff = core.effective(context);
        JsonNode params = request.params();
        List<Selection> selections = selections(params.path("select"));
        int textChars = params.path("textChars").asInt(DEFAULT_TEXT_CHARS);
        int maxItems = params.path("maxItems").asInt(DEFAULT_MAX_ITEMS);
        if (textChars < 0 || maxItems < 1) {
            throw Core.badParams("textChars must be at least 0 and maxItems at least 1");
        }
        FetchSpec spec = core.spec(request.params(), "GET", eff, false);
        // The fetch and the extraction share one deadline: the spec's timeout or the worker's, whichever is first.
        long deadline = System.nanoTime() + Math.min(spec.timeout().toNanos(), context.remaining().toNanos());
        FetchResult r = core.fetch(spec, eff, context);
        String host = okhttp3.HttpUrl.get(r.finalUrl()).host();
        if (r.contentType().isPresent() && !isMarkup(r.contentType().get())) {
            throw CollectorException.permanent("not-html", "the response from " + host
                    + " is " + r.contentType().get().type() + "/" + r.contentType().get().subtype()
                    + ", not HTML; use http.request for other content");
        }
        String charset = r.contentType().flatMap(t -> Optional.ofNullable(charsetName(t))).orElse(null);
        Document doc;
        try {
            // With no charset from the headers, jsoup reads it from a byte-order mark or <meta charset>.
            doc = Jsoup.parse(new ByteArrayInputStream(r.body()), charset, r.finalUrl());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        doc.outputSettings().prettyPrint(false);
        boolean cut = Extraction.limitDepth(doc);
        // One output budget for everything extracted: the body limit, in characters.
        Extraction x = new Extraction(spec.maxBytes(), deadline, host);
        return extract(r, doc, selections, textChars, maxItems, x, cut);
    }

    private static boolean isMarkup(okhttp3.MediaType type) {
        String s = type.subtype().toLowerCase(Locale.ROOT);
        return s.equals("html") || s.equals("xhtml+xml") || Bodies.isTextual(type);
    }

    private static String charsetName(okhttp3.MediaType type) {
        try {
            return type.charset() == null ? null : type.charset().name();
        } catch (RuntimeException e) {
            return null;
        }
    }

    private record Selection(String name, String css, Optional<String> attr, boolean html, int limit, Evaluator evaluator) {}

    private static List<Selection> selections(JsonNode select) {
        List<Selection> out = new ArrayList<>();
        if (select.size() > MAX_SELECTORS) {
            throw Core.badParams("select has " + select.size() + " selectors; at most " + MAX_SELECTORS);
        }
        for (Iterator<Map.Entry<String, JsonNode>> it = select.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            JsonNode v = e.getValue();
            String css = v.isTextual() ? v.asText() : v.path("css").asText();
            String where = "select." + e.getKey() + ": ";
            if (css.length() > MAX_SELECTOR_LENGTH) {
                throw Core.badParams(where + "the selector is " + css.length() + " characters long; at most " + MAX_SELECTOR_LENGTH);
            }
            Evaluator evaluator;
            try {
                evaluator = QueryParser.parse(css);
            } catch (Selector.SelectorParseException | IllegalArgumentException ex) {
                throw Core.badParams(where + "'" + css + "' is not a valid CSS selector: " + ex.getMessage());
            }
            if (Extraction.usesRegex(css, evaluator)) {
                throw Core.badParams(where + "regular-expression selectors (:matches, :matchesOwn, :matchesWholeText, "
                        + ":matchesWholeOwnText, :matchText, [attr~=regex]) are refused, as is any selector containing "
                        + "':matches' or '~=': a regular expression can run for hours on one page and cannot be "
                        + "interrupted; use :contains, :containsOwn, [attr*=text], [attr^=text] or [attr$=text]");
            }
            if (Extraction.hasCount(evaluator) > 1) {
                throw Core.badParams(where + "at most one :has per selector (each nesting multiplies the work by the page's size)");
            }
            if (Extraction.scansSiblingsInHas(evaluator)) {
                throw Core.badParams(where + "inside or after a :has, selectors that scan siblings (~, :nth-*, :*-of-type,"
                        + " :only-child) are refused: :has repeats them for every element below, which cannot be stopped in"
                        + " time on a large page; use them outside :has");
            }
            Optional<String> attr = !v.isTextual() && v.hasNonNull("attr") ? Optional.of(v.get("attr").asText()) : Optional.empty();
            // jsoup throws on an empty attribute name, which "abs:" alone leaves, at the first match
            if (attr.isPresent() && (attr.get().startsWith("abs:") ? attr.get().substring(4) : attr.get()).isBlank()) {
                throw Core.badParams(where + "attr '" + attr.get() + "' names no attribute (e.g. href or abs:href)");
            }
            Selection s = v.isTextual()
                    ? new Selection(e.getKey(), css, Optional.empty(), false, Integer.MAX_VALUE, evaluator)
                    : new Selection(e.getKey(), css,
                            attr,
                            v.path("html").asBoolean(false), v.path("limit").asInt(Integer.MAX_VALUE), evaluator);
            out.add(s);
        }
        return out;
    }

    private static HtmlResult extract(FetchResult r, Document doc, List<Selection> selections, int textChars, int maxItems,
            Extraction x, boolean cut) {
        // Most wanted first: the summary, the caller's selections, the text; then the lists.
        Optional<String> title = optional(x.take(doc.title().strip(), MAX_ITEM_TEXT * 2));
        Element html = doc.selectFirst("html[lang]");
        Optional<String> lang = html == null ? Optional.empty() : optional(x.take(html.attr("lang"), 64));
        Element canonicalLink = doc.selectFirst("link[rel~=(?i)(^|\\s)canonical(\\s|$)][href]");
        Optional<String> canonical = canonicalLink == null ? Optional.empty() : optional(x.take(canonicalLink.absUrl("href"), 8192));

        Map<String, List<String>> selected = new LinkedHashMap<>();
        for (Selection s : selections) {
            List<String> values = new ArrayList<>();
            selected.put(s.name(), values);
            if (x.exhausted()) {
                x.entry(); // flags the cut
                continue;
            }
            int limit = Math.min(s.limit(), maxItems);
            for (Element e : x.select(doc, s.evaluator())) {
                if (values.size() >= limit || !x.entry()) {
                    break;
                }
                if (s.attr().isPresent()) {
                    String name = s.attr().get();
                    if (e.hasAttr(name) || name.startsWith("abs:")) {
                        String v = e.attr(name);
                        if (!v.isEmpty() || e.hasAttr(name)) {
                            values.add(x.take(v, Integer.MAX_VALUE));
                        }
                    }
                } else {
                    values.add(s.html() ? x.outerHtml(e, Integer.MAX_VALUE) : x.text(e, Integer.MAX_VALUE));
                }
            }
        }
        String text = doc.body() == null ? "" : x.text(doc.body(), textChars);

        List<HtmlResult.Meta> meta = new ArrayList<>();
        for (Element m : doc.select("meta")) {
            if (meta.size() >= maxItems) {
                break;
            }
            if (m.hasAttr("charset")) {
                if (!x.entry()) {
                    break;
                }
                meta.add(new HtmlResult.Meta("charset", x.take(m.attr("charset"), 64)));
                continue;
            }
            String name = firstAttr(m, "name", "property", "http-equiv", "itemprop");
            if (!name.isEmpty()) {
                if (!x.entry()) {
                    break;
                }
                meta.add(new HtmlResult.Meta(x.take(name, MAX_ITEM_TEXT), x.take(m.attr("content"), Integer.MAX_VALUE)));
            }
        }
        List<HtmlResult.Heading> headings = new ArrayList<>();
        for (Element h : doc.select("h1, h2, h3, h4, h5, h6")) {
            if (headings.size() >= maxItems || !x.entry()) {
                break;
            }
            headings.add(new HtmlResult.Heading(h.tagName().charAt(1) - '0', x.text(h, MAX_ITEM_TEXT)));
        }
        List<HtmlResult.Link> links = new ArrayList<>();
        for (Element a : doc.select("a[href], link[href]")) {
            if (links.size() >= maxItems) {
                break;
            }
            String href = a.absUrl("href");
            if (href.isEmpty()) {
                continue;
            }
            if (!x.entry()) {
                break;
            }
            List<String> rel = a.attr("rel").isBlank() ? List.of()
                    : Arrays.stream(x.take(a.attr("rel"), MAX_ITEM_TEXT).toLowerCase(Locale.ROOT).trim().split("\\s+")).toList();
            links.add(new HtmlResult.Link(x.take(href, Integer.MAX_VALUE), rel,
                    a.tagName().equals("a") ? x.text(a, MAX_ITEM_TEXT) : "", a.tagName()));
        }
        List<HtmlResult.Form> forms = new ArrayList<>();
        for (Element f : doc.select("form")) {
            if (forms.size() >= maxItems || !x.entry()) {
                break;
            }
            List<HtmlResult.Field> fields = new ArrayList<>();
            for (Element in : f.select("input[name], select[name], textarea[name], button[name]")) {
                if (fields.size() >= maxItems || !x.entry()) {
                    break;
                }
                String type = in.tagName().equals("input")
                        ? (in.attr("type").isBlank() ? "text" : in.attr("type").toLowerCase(Locale.ROOT))
                        : in.tagName();
                fields.add(new HtmlResult.Field(x.take(in.attr("name"), MAX_ITEM_TEXT), x.take(type, 64)));
            }
            String action = f.hasAttr("action") && !f.attr("action").isBlank() ? f.absUrl("action") : r.finalUrl();
            String method = f.attr("method").equalsIgnoreCase("post") ? "POST" : "GET";
            forms.add(new HtmlResult.Form(x.take(action.isEmpty() ? r.finalUrl() : action, Integer.MAX_VALUE), method, fields));
        }
        List<HtmlResult.Script> scripts = new ArrayList<>();
        for (Element s : doc.select("script")) {
            if (scripts.size() >= maxItems || !x.entry()) {
                break;
            }
            scripts.add(new HtmlResult.Script(optional(x.take(s.absUrl("src"), Integer.MAX_VALUE)), optional(x.take(s.attr("type"), 256))));
        }
        List<HtmlResult.Image> images = new ArrayList<>();
        for (Element i : doc.select("img[src]")) {
            if (images.size() >= maxItems) {
                break;
            }
            String src = i.absUrl("src");
            if (!src.isEmpty()) {
                if (!x.entry()) {
                    break;
                }
                images.add(new HtmlResult.Image(x.take(src, Integer.MAX_VALUE),
                        i.hasAttr("alt") ? Optional.of(x.take(i.attr("alt"), MAX_ITEM_TEXT)) : Optional.empty()));
            }
        }
        return new HtmlResult(r.url(), r.finalUrl(), r.redirects(), r.status(), r.contentType().map(Object::toString),
                doc.charset().name(), r.body().length, r.truncated() || cut, x.truncated(),
                TimeUnit.NANOSECONDS.toMillis(r.elapsedNanos()), title, lang, canonical, meta, links, headings, forms,
                scripts, images, text, selected);
    }

    private static String firstAttr(Element e, String... names) {
        for (String n : names) {
            if (e.hasAttr(n) && !e.attr(n).isBlank()) {
                return e.attr(n);
            }
        }
        return "";
    }

    private static Optional<String> optional(String s) {
        return s == null || s.isEmpty() ? Optional.empty() : Optional.of(s);
    }

    /** Closes idle pooled connections. */
    @Override
    public void close() {
        core.close();
    }
}
