package dev.outpost.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.outpost.CollectorException;
import dev.outpost.Request;
import dev.outpost.core.json.JsonSchema;
import java.io.IOException;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** http.html against a real server on 127.0.0.1. */
class HtmlCollectorTest {
    private static final String PAGE = """
            <!doctype html>
            <html lang="en-GB">
            <head>
              <meta charset="utf-8">
              <title> Outpost — test page </title>
              <meta name="description" content="A page for tests">
              <meta property="og:title" content="OG title">
              <link rel="canonical" href="/canonical">
              <link rel="stylesheet alternate" href="style.css">
              <script src="/js/app.js" type="module"></script>
              <script>var inline = 1;</script>
            </head>
            <body>
              <h1>Main</h1>
              <p class="price" data-sku="A1">12.50 €</p>
              <p class="price" data-sku="B2">7.00 €</p>
              <h2>Second</h2>
              <a href="sub/page.html" rel="nofollow">Relative link</a>
              <a href="https://example.com/x">Absolute</a>
              <a href="javascript:void(0)">Script link</a>
              <img src="/img/logo.png" alt="Logo">
              <img src="data-less.gif">
              <form action="/search" method="post">
                <input name="q"><input type="hidden" name="csrf" value="secret-token">
                <select name="lang"></select><textarea name="note"></textarea><button name="go">Go</button>
              </form>
              <form><input type="password" name="pw"></form>
              <h3>Third</h3>
            </body>
            </html>
            """;

    private TestServer server;
    private HtmlCollector collector;

    @BeforeEach
    void start() throws IOException {
        server = TestServer.http()
                .handle("/page/", ex -> TestServer.send(ex, 200, "text/html; charset=utf-8", PAGE.getBytes(StandardCharsets.UTF_8)))
                .handle("/moved", ex -> TestServer.redirect(ex, 301, "/page/index.html"))
                .handle("/broken", ex -> TestServer.send(ex, 200, "text/html",
                        "<title>Broken<body><div><p>one<p>two</div></span><a href=x>unclosed <b>bold<table><td>cell"
                                .getBytes(StandardCharsets.UTF_8)))
                .handle("/meta-charset", ex -> TestServer.send(ex, 200, "text/html",
                        "<html><head><meta charset=\"windows-1252\"><title>Caf\u00e9</title></head><body>na\u00efve</body></html>"
                                .getBytes(Charset.forName("windows-1252"))))
                .handle("/image", ex -> TestServer.send(ex, 200, "image/png", new byte[] {(byte) 0x89, 'P', 'N', 'G'}))
                .handle("/nested", ex -> TestServer.send(ex, 200, "text/html", nested(250, 1000).getBytes(StandardCharsets.UTF_8)))
                .handle("/deep", ex -> TestServer.send(ex, 200, "text/html", nested(1000, 1).getBytes(StandardCharsets.UTF_8)))
                .handle("/long", ex -> TestServer.send(ex, 200, "text/html",
                        ("<title>Long</title><body>" + "<p>word</p>".repeat(10_000)).getBytes(StandardCharsets.UTF_8)))
                .start();
        collector = HtmlCollector.create(HttpOptions.defaults());
    }

    @AfterEach
    void stop() throws InterruptedException {
        collector.close();
        server.close();
    }

    private HtmlResult call(Map<String, Object> params) {
        Request request = Request.builder(HtmlCollector.NAME).params(params).build();
        assertThat(JsonSchema.of(collector.paramsSchema()).violations(request.params())).isEmpty();
        return collector.collect(request, TestContext.loopback());
    }

    @Test
    void extractsThePage() {
        HtmlResult r = call(Map.of("url", server.url("/moved")));
        String base = server.url("/page/");
        assertThat(r.finalUrl()).isEqualTo(base + "index.html");
        assertThat(r.redirects()).hasSize(1);
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.title()).contains("Outpost — test page");
        assertThat(r.lang()).contains("en-GB");
        assertThat(r.charset()).isEqualTo("UTF-8");
        assertThat(r.canonical()).contains(server.url("/canonical"));
        assertThat(r.meta()).containsExactly(new HtmlResult.Meta("charset", "utf-8"),
                new HtmlResult.Meta("description", "A page for tests"), new HtmlResult.Meta("og:title", "OG title"));
        assertThat(r.links()).containsExactly(
                new HtmlResult.Link(server.url("/canonical"), List.of("canonical"), "", "link"),
                new HtmlResult.Link(base + "style.css", List.of("stylesheet", "alternate"), "", "link"),
                new HtmlResult.Link(base + "sub/page.html", List.of("nofollow"), "Relative link", "a"),
                new HtmlResult.Link("https://example.com/x", List.of(), "Absolute", "a"),
                new HtmlResult.Link("javascript:void(0)", List.of(), "Script link", "a"));
        assertThat(r.headings()).containsExactly(new HtmlResult.Heading(1, "Main"), new HtmlResult.Heading(2, "Second"),
                new HtmlResult.Heading(3, "Third"));
        assertThat(r.forms()).containsExactly(
                new HtmlResult.Form(server.url("/search"), "POST", List.of(new HtmlResult.Field("q", "text"),
                        new HtmlResult.Field("csrf", "hidden"), new HtmlResult.Field("lang", "select"),
                        new HtmlResult.Field("note", "textarea"), new HtmlResult.Field("go", "button"))),
                new HtmlResult.Form(base + "index.html", "GET", List.of(new HtmlResult.Field("pw", "password"))));
        assertThat(dev.outpost.Json.toTree(r).toString()).doesNotContain("secret-token");
        assertThat(r.scripts()).containsExactly(new HtmlResult.Script(Optional.of(server.url("/js/app.js")), Optional.of("module")),
                new HtmlResult.Script(Optional.empty(), Optional.empty()));
        assertThat(r.images()).containsExactly(new HtmlResult.Image(server.url("/img/logo.png"), Optional.of("Logo")),
                new HtmlResult.Image(base + "data-less.gif", Optional.empty()));
        assertThat(r.text()).startsWith("Main 12.50 € 7.00 € Second Relative link");
        assertThat(r.truncated()).isFalse();
    }

    @Test
    void selectsByCss() {
        HtmlResult r = call(Map.of("url", server.url("/page/"), "select", Map.of(
                "prices", "p.price",
                "skus", Map.of("css", "p.price", "attr", "data-sku"),
                "first", Map.of("css", "p.price", "html", true, "limit", 1),
                "links", Map.of("css", "a[rel=nofollow]", "attr", "abs:href"),
                "none", "table.missing")));
        assertThat(r.select()).containsEntry("prices", List.of("12.50 €", "7.00 €"))
                .containsEntry("skus", List.of("A1", "B2"))
                .containsEntry("first", List.of("<p class=\"price\" data-sku=\"A1\">12.50 €</p>"))
                .containsEntry("links", List.of(server.url("/page/sub/page.html")))
                .containsEntry("none", List.of());
    }

    @Test
    void anEmptyAbsoluteAttributeNameIsABadParam() {
        // "abs:" names no attribute: jsoup's absUrl("") threw IllegalArgumentException out of collect()
        assertThatThrownBy(() -> call(Map.of("url", server.url("/page/"), "select", Map.of("x", Map.of("css", "p.price", "attr", "abs:")))))
                .isInstanceOfSatisfying(CollectorException.class, e -> {
                    assertThat(e.code()).isEqualTo("bad-params");
                    assertThat(e.getMessage()).contains("select.x");
                });
        assertThat(server.served()).isEmpty();
    }

    @Test
    void limitsListsAndText() {
        HtmlResult r = call(Map.of("url", server.url("/page/"), "maxItems", 1, "textChars", 4));
        assertThat(r.links()).hasSize(1);
        assertThat(r.headings()).hasSize(1);
        assertThat(r.text()).isEqualTo("Main");
    }

    @Test
    void parsesMalformedHtmlAsABrowserWould() {
        HtmlResult r = call(Map.of("url", server.url("/broken"), "select", Map.of("paragraphs", "p", "cell", "td")));
        assertThat(r.title()).contains("Broken");
        assertThat(r.select()).containsEntry("paragraphs", List.of("one", "two")).containsEntry("cell", List.of("cell"));
        assertThat(r.links()).extracting(HtmlResult.Link::href).containsExactly(server.url("/x"));
    }

    @Test
    void readsTheCharsetFromTheMetaTag() {
        HtmlResult r = call(Map.of("url", server.url("/meta-charset")));
        assertThat(r.charset()).isEqualTo("windows-1252");
        assertThat(r.title()).contains("Café");
        assertThat(r.text()).isEqualTo("naïve");
    }

    @Test
    void aCutPageIsStillParsed() {
        HtmlResult r = call(Map.of("url", server.url("/long"), "maxBytes", 1000));
        assertThat(r.truncated()).isTrue();
        assertThat(r.size()).isEqualTo(1000);
        assertThat(r.title()).contains("Long");
        assertThat(r.text()).startsWith("word word");
    }

    @Test
    void refusesWhatIsNotHtml() {
        assertThatThrownBy(() -> call(Map.of("url", server.url("/image"))))
                .isInstanceOfSatisfying(CollectorException.class, e -> {
                    assertThat(e.code()).isEqualTo("not-html");
                    assertThat(e.isRetryable()).isFalse();
                    assertThat(e.getMessage()).contains("image/png").contains("http.request");
                });
    }

    @Test
    void refusesABadSelectorBeforeFetching() {
        assertThatThrownBy(() -> call(Map.of("url", server.url("/page/"), "select", Map.of("bad", "p[[["))))
                .isInstanceOfSatisfying(CollectorException.class, e -> {
                    assertThat(e.code()).isEqualTo("bad-params");
                    assertThat(e.getMessage()).contains("select.bad");
                });
        assertThat(server.served()).isEmpty();
    }

    @Test
    void sharesTheEgressPolicy() {
        Request request = Request.builder(HtmlCollector.NAME).params(Map.of("url", server.url("/page/"))).build();
        assertThatThrownBy(() -> collector.collect(request, TestContext.of(Map.of())))
                .isInstanceOf(EgressDeniedException.class);
        assertThat(server.served()).isEmpty();
    }

    /** {@code depth} nested divs, each starting with {@code chars} characters of text: about depth * (chars + 11) bytes. */
    private static String nested(int depth, int chars) {
        StringBuilder sb = new StringBuilder("<title>Nested</title><body>");
        for (int i = 0; i < depth; i++) {
            sb.append("<div>").append(String.valueOf((char) ('a' + i % 26)).repeat(chars));
        }
        for (int i = 0; i < depth; i++) {
            sb.append("</div>");
        }
        return sb.toString();
    }

    private static long outputChars(HtmlResult r) {
        // Every string the result carries, as a caller would measure it: the JSON's size.
        return dev.outpost.Json.toTree(r).toString().length();
    }

    @Test
    void nestedMatchesShareOneOutputBudget() {
        // Each of 250 nested divs holds the text of all below it: 250 matches of up to 250 KB each (31 MB in all).
        for (Object selector : List.of("div", Map.of("css", "div", "html", true, "limit", 5000))) {
            HtmlResult r = call(Map.of("url", server.url("/nested"), "maxItems", 5000, "select", Map.of("all", selector)));
            assertThat(r.size()).isGreaterThan(200_000);
            assertThat(r.outputTruncated()).isTrue();
            assertThat(r.select().get("all")).isNotEmpty();
            assertThat(r.select().get("all").get(0)).hasSizeGreaterThan(100_000);
            // One budget (the body limit, 256 KiB) for every value, plus a little per entry.
            assertThat(outputChars(r)).isLessThan(262_144 + 40_000);
        }
        HtmlResult small = call(Map.of("url", server.url("/nested"), "maxBytes", 10_000, "select", Map.of("all", "div")));
        assertThat(small.truncated()).isTrue();
        assertThat(small.outputTruncated()).isTrue();
        assertThat(outputChars(small)).isLessThan(10_000 + 4_000);
        assertThat(call(Map.of("url", server.url("/page/"))).outputTruncated()).isFalse();
    }

    @Test
    void elementsNestedTooDeeplyAreCutAndFlagged() {
        HtmlResult r = call(Map.of("url", server.url("/deep"), "maxItems", 5000, "select", Map.of("divs", "div")));
        assertThat(r.truncated()).isTrue();
        assertThat(r.select().get("divs")).hasSizeLessThan(256);
        assertThat(r.title()).contains("Nested");
    }

    @org.junit.jupiter.params.ParameterizedTest
    @org.junit.jupiter.params.provider.ValueSource(strings = {"p:matches((a+)+$)", "p:matchesOwn(x)", "p:matchesWholeText(x)",
        "p:matchesWholeOwnText(x)", "p:matchText", "[href~=(a|a)*b]", "a[ href ~= x ]", "div:has(p:matches(x))", "div:not(:matches(x)), p",
        "p:is(:matchesOwn(x))", "p:MATCHES(x)"})
    void regexSelectorsAreRefusedBeforeFetching(String css) {
        assertThatThrownBy(() -> collector.collect(Request.builder(HtmlCollector.NAME)
                        .params(Map.of("url", server.url("/page/"), "select", Map.of("r", css))).build(), TestContext.loopback()))
                .isInstanceOfSatisfying(CollectorException.class, e -> {
                    assertThat(e.code()).isEqualTo("bad-params");
                    assertThat(e.isRetryable()).isFalse();
                    assertThat(e.getMessage()).contains("select.r");
                });
        assertThat(server.served()).isEmpty();
    }

    @org.junit.jupiter.params.ParameterizedTest
    @org.junit.jupiter.params.provider.ValueSource(strings = {"html:has(.x ~ p)", "div:has(p:nth-last-of-type(2))", "*:has(p:first-of-type)",
        "div:has(~ p.x)", "div:not(:has(p:only-child))", "div:has(p:is(:nth-child(2n)))"})
    void siblingScansInsideHasAreRefusedBeforeFetching(String css) {
        // Each costs the element's siblings, and :has runs it for every element below: one match of
        // 'html:has(.x ~ p)' on a flat page of 80,000 <p> took minutes, between two deadline checks.
        assertThatThrownBy(() -> collector.collect(Request.builder(HtmlCollector.NAME)
                        .params(Map.of("url", server.url("/page/"), "select", Map.of("s", css))).build(), TestContext.loopback()))
                .isInstanceOfSatisfying(CollectorException.class, e -> {
                    assertThat(e.code()).isEqualTo("bad-params");
                    assertThat(e.getMessage()).contains("select.s", ":has");
                });
        assertThat(server.served()).isEmpty();
    }

    @Test
    void siblingSelectorsOutsideHasStillWork() {
        HtmlResult r = call(Map.of("url", server.url("/page/"), "select", Map.of(
                "second", "p:nth-of-type(2)", "after", "h1 ~ h2", "hasPrice", Map.of("css", "body:has(> p.price)", "attr", "lang"))));
        assertThat(r.select()).containsEntry("second", List.of("7.00 €")).containsEntry("after", List.of("Second"));
    }

    @Test
    void selectorCountLengthAndNestingAreBounded() {
        Map<String, Object> many = new java.util.HashMap<>();
        for (int i = 0; i <= HtmlCollector.MAX_SELECTORS; i++) {
            many.put("s" + i, "p");
        }
        for (Map<String, Object> select : List.of(many, Map.<String, Object>of("long", "p" + " p".repeat(200)),
                Map.<String, Object>of("has", "div:has(div:has(span))"))) {
            assertThatThrownBy(() -> collector.collect(Request.builder(HtmlCollector.NAME)
                            .params(Map.of("url", server.url("/page/"), "select", select)).build(), TestContext.loopback()))
                    .isInstanceOfSatisfying(CollectorException.class, e -> assertThat(e.code()).isEqualTo("bad-params"));
            assertThat(JsonSchema.of(collector.paramsSchema()).accepts(dev.outpost.Json.toTree(
                    Map.of("url", "https://x/", "select", select)))).isEqualTo(select.containsKey("has"));
        }
        assertThat(server.served()).isEmpty();
    }

    @Test
    void theSchemaRejectsWhatItCan() {
        JsonSchema schema = JsonSchema.of(collector.paramsSchema());
        assertThat(schema.accepts(dev.outpost.Json.toTree(Map.of("url", "https://x/", "select", Map.of("a", Map.of("attr", "x"))))))
                .isFalse();
        assertThat(schema.accepts(dev.outpost.Json.toTree(Map.of("url", "https://x/", "select",
                Map.of("a", Map.of("css", "p", "attr", "x", "html", true)))))).isFalse();
        assertThat(schema.accepts(dev.outpost.Json.toTree(Map.of("url", "https://x/", "method", "POST")))).isFalse();
    }
}
