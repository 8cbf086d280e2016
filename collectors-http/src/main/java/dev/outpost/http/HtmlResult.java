package dev.outpost.http;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * The result of {@code http.html}: the fetch summary and what was extracted from the page. Lists
 * are in document order and hold at most {@code maxItems} entries each. URLs are absolute.
 *
 * @param url the URL requested
 * @param finalUrl the URL of the page, after redirects
 * @param redirects the redirects followed
 * @param status the HTTP status
 * @param contentType the {@code Content-Type} header, if any
 * @param charset the charset the page was decoded with
 * @param size the bytes read
 * @param truncated whether the page was cut before parsing: longer than the size limit, or elements nested
 *     deeper than 256 (it was parsed up to there)
 * @param outputTruncated whether the output budget ran out: every value of the result together holds at
 *     most the body limit ({@code maxBytes}) in characters, and some values were cut or left out
 * @param elapsedMs how long the fetch took, in milliseconds
 * @param title the {@code <title>}, if not empty
 * @param lang the {@code <html lang>}, if present
 * @param canonical the {@code <link rel=canonical>} URL, if present
 * @param meta the {@code <meta>} tags that have a name (or property, http-equiv, itemprop, charset)
 * @param links {@code <a href>} and {@code <link href>} targets, with their rel and text
 * @param headings {@code <h1>} to {@code <h6>}
 * @param forms forms, their action, method and named fields (field values are not reported)
 * @param scripts {@code <script>} elements
 * @param images {@code <img>} elements with a source
 * @param text the start of the page's visible text, at most {@code textChars} characters
 * @param select for each name of the {@code select} param, the values its selector found
 */
public record HtmlResult(
        String url,
        String finalUrl,
        List<Redirect> redirects,
        int status,
        Optional<String> contentType,
        String charset,
        long size,
        boolean truncated,
        boolean outputTruncated,
        long elapsedMs,
        Optional<String> title,
        Optional<String> lang,
        Optional<String> canonical,
        List<Meta> meta,
        List<Link> links,
        List<Heading> headings,
        List<Form> forms,
        List<Script> scripts,
        List<Image> images,
        String text,
        Map<String, List<String>> select) {

    /** Validates and copies the components. */
    public HtmlResult {
        Objects.requireNonNull(url, "url");
        Objects.requireNonNull(finalUrl, "finalUrl");
        redirects = List.copyOf(redirects);
        Objects.requireNonNull(contentType, "contentType");
        Objects.requireNonNull(charset, "charset");
        Objects.requireNonNull(title, "title");
        Objects.requireNonNull(lang, "lang");
        Objects.requireNonNull(canonical, "canonical");
        meta = List.copyOf(meta);
        links = List.copyOf(links);
        headings = List.copyOf(headings);
        forms = List.copyOf(forms);
        scripts = List.copyOf(scripts);
        images = List.copyOf(images);
        Objects.requireNonNull(text, "text");
        Map<String, List<String>> copy = new LinkedHashMap<>();
        select.forEach((k, v) -> copy.put(k, List.copyOf(v)));
        select = Collections.unmodifiableMap(copy);
    }

    /**
     * A {@code <meta>} tag.
     *
     * @param name its name, property, http-equiv or itemprop attribute ({@code charset} for a charset tag)
     * @param content its content (the charset, for a charset tag)
     */
    public record Meta(String name, String content) {}

    /**
     * A link.
     *
     * @param href the absolute target
     * @param rel the rel values, lower case; empty for none
     * @param text the link's text ({@code <a>}), empty for {@code <link>}
     * @param tag {@code a} or {@code link}
     */
    public record Link(String href, List<String> rel, String text, String tag) {
        /** Copies the rel list. */
        public Link {
            rel = List.copyOf(rel);
        }
    }

    /**
     * A heading.
     *
     * @param level 1 to 6
     * @param text its text
     */
    public record Heading(int level, String text) {}

    /**
     * A form.
     *
     * @param action the absolute URL it submits to
     * @param method {@code GET} or {@code POST}
     * @param fields its named fields
     */
    public record Form(String action, String method, List<Field> fields) {
        /** Copies the fields. */
        public Form {
            fields = List.copyOf(fields);
        }
    }

    /**
     * A named form field.
     *
     * @param name its name
     * @param type the input type ({@code text}, {@code hidden}, {@code password}...), or {@code select},
     *     {@code textarea}, {@code button}
     */
    public record Field(String name, String type) {}

    /**
     * A script.
     *
     * @param src the absolute source URL; empty for an inline script
     * @param type the type attribute, if any
     */
    public record Script(Optional<String> src, Optional<String> type) {}

    /**
     * An image.
     *
     * @param src the absolute source URL
     * @param alt the alt text, if any
     */
    public record Image(String src, Optional<String> alt) {}
}
