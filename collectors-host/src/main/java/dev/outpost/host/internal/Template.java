package dev.outpost.host.internal;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Function;

/** One argument template: literal text and {@code {param}} placeholders; {@code {{} and {@code }}} escape braces. */
public final class Template {
    private record Part(String text, boolean param) {}

    private final List<Part> parts;

    private Template(List<Part> parts) {
        this.parts = parts;
    }

    public static Template parse(String s) {
        List<Part> parts = new ArrayList<>();
        StringBuilder lit = new StringBuilder();
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '{' && i + 1 < s.length() && s.charAt(i + 1) == '{') {
                lit.append('{');
                i++;
            } else if (c == '}' && i + 1 < s.length() && s.charAt(i + 1) == '}') {
                lit.append('}');
                i++;
            } else if (c == '{') {
                int end = s.indexOf('}', i);
                if (end < 0) {
                    throw new IllegalArgumentException("unclosed '{' (write '{{' for a literal brace)");
                }
                String name = s.substring(i + 1, end);
                if (!name.matches("[A-Za-z_][A-Za-z0-9_]*")) {
                    throw new IllegalArgumentException("placeholder {" + name + "} is not a param name");
                }
                if (lit.length() > 0) {
                    parts.add(new Part(lit.toString(), false));
                    lit.setLength(0);
                }
                parts.add(new Part(name, true));
                i = end;
            } else if (c == '}') {
                throw new IllegalArgumentException("lone '}' (write '}}' for a literal brace)");
            } else {
                lit.append(c);
            }
        }
        if (lit.length() > 0 || parts.isEmpty()) {
            parts.add(new Part(lit.toString(), false));
        }
        return new Template(List.copyOf(parts));
    }

    public Set<String> params() {
        Set<String> out = new LinkedHashSet<>();
        for (Part p : parts) {
            if (p.param()) {
                out.add(p.text());
            }
        }
        return out;
    }

    /** The argument, with each placeholder replaced by {@code value.apply(name)}. */
    public String render(Function<String, String> value) {
        StringBuilder sb = new StringBuilder();
        for (Part p : parts) {
            sb.append(p.param() ? value.apply(p.text()) : p.text());
        }
        return sb.toString();
    }

    /** A param value as argument text, or null when it cannot be one (object, array, null, missing). */
    public static String text(JsonNode v) {
        if (v == null || v.isNull() || v.isMissingNode() || v.isContainerNode()) {
            return null;
        }
        return v.isTextual() ? v.textValue() : v.toString();
    }
}
