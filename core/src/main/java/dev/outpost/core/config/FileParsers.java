package dev.outpost.core.config;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.apache.commons.configuration2.JSONConfiguration;
import org.apache.commons.configuration2.YAMLConfiguration;
import org.apache.commons.configuration2.ex.ConfigurationException;

/** The stricter YAML and JSON readers behind {@link OutpostConfig}'s files, and how their failures are told. */
final class FileParsers {
    private FileParsers() {}

    /**
     * Whether a YAML or JSON number, as written, is one a double holds: {@code 1e400} and {@code .inf}
     * became the text "Infinity", {@code .nan} "NaN", and {@code 1e-400} "0.0".
     */
    static boolean representable(String number) {
        String t = number.replace("_", "").toLowerCase(Locale.ROOT);
        if (t.contains("inf") || t.contains("nan")) {
            return false;
        }
        if (t.contains(":")) {
            return true; // YAML 1.1's base 60 (1:30.5): small by its form
        }
        double d;
        try {
            d = Double.parseDouble(t);
        } catch (NumberFormatException e) {
            return true; // not a number we can judge: left as the parser reads it
        }
        if (Double.isInfinite(d) || Double.isNaN(d)) {
            return false;
        }
        return d != 0 || !t.replaceFirst("e.*", "").matches(".*[1-9].*"); // a non-zero that became 0
    }

    /**
     * YAML refusing a key given twice in one mapping (SnakeYAML keeps the last by default), and
     * noting the floats that cannot be represented, by key, as written.
     */
    static final class StrictYaml extends YAMLConfiguration {
        final Map<String, String> unrepresentable = new LinkedHashMap<>();

        private static org.yaml.snakeyaml.LoaderOptions options() {
            org.yaml.snakeyaml.LoaderOptions o = new org.yaml.snakeyaml.LoaderOptions();
            o.setAllowDuplicateKeys(false);
            return o;
        }

        @Override
        public void read(InputStream in) throws ConfigurationException {
            read(new org.yaml.snakeyaml.reader.UnicodeReader(in));
        }

        @Override
        public void read(java.io.Reader in) throws ConfigurationException {
            java.io.StringWriter text = new java.io.StringWriter();
            try {
                in.transferTo(text); // at most MAX_FILE_BYTES: checked before
            } catch (IOException e) {
                throw new ConfigurationException(e);
            }
            read(new java.io.StringReader(text.toString()), options());
            // the values are constructed by now (1e400 a double, Infinity): the nodes still hold the text
            note(new org.yaml.snakeyaml.Yaml(options()).compose(new java.io.StringReader(text.toString())), "",
                    Collections.newSetFromMap(new java.util.IdentityHashMap<>()));
        }

        private void note(org.yaml.snakeyaml.nodes.Node n, String key, Set<org.yaml.snakeyaml.nodes.Node> seen) {
            if (n == null || !seen.add(n)) {
                return; // an alias met again
            }
            if (n instanceof org.yaml.snakeyaml.nodes.MappingNode m) {
                for (org.yaml.snakeyaml.nodes.NodeTuple t : m.getValue()) {
                    String k = t.getKeyNode() instanceof org.yaml.snakeyaml.nodes.ScalarNode s ? s.getValue() : "?";
                    note(t.getValueNode(), key.isEmpty() ? k : key + "." + k, seen);
                }
            } else if (n instanceof org.yaml.snakeyaml.nodes.SequenceNode q) {
                q.getValue().forEach(c -> note(c, key, seen));
            } else if (n instanceof org.yaml.snakeyaml.nodes.ScalarNode s && org.yaml.snakeyaml.nodes.Tag.FLOAT.equals(s.getTag())
                    && !representable(s.getValue())) {
                unrepresentable.putIfAbsent(key, s.getValue());
            }
        }
    }

    /** JSON refusing a key given twice in one object (the parser behind it keeps the last). */
    static final class StrictJson extends JSONConfiguration {
        private static final com.fasterxml.jackson.core.JsonFactory STRICT = com.fasterxml.jackson.core.JsonFactory.builder()
                .enable(com.fasterxml.jackson.core.StreamReadFeature.STRICT_DUPLICATE_DETECTION).build();
        /** Numbers that cannot be represented (1e400 became "Infinity"), by key, as written. */
        final Map<String, String> unrepresentable = new LinkedHashMap<>();

        @Override
        public void read(InputStream in) throws ConfigurationException {
            byte[] bytes;
            try {
                bytes = in.readAllBytes(); // at most MAX_FILE_BYTES: checked before
                try (com.fasterxml.jackson.core.JsonParser p = STRICT.createParser(bytes)) {
                    com.fasterxml.jackson.core.JsonToken t;
                    while ((t = p.nextToken()) != null) {
                        if (t == com.fasterxml.jackson.core.JsonToken.VALUE_NUMBER_FLOAT && !representable(p.getText())) {
                            unrepresentable.putIfAbsent(keyOf(p.getParsingContext()), p.getText());
                        }
                    }
                }
            } catch (IOException e) {
                throw new ConfigurationException(e);
            }
            super.read(new java.io.ByteArrayInputStream(bytes));
        }

        /** The dotted key of a value, as Commons names it: the objects' field names, arrays left out. */
        private static String keyOf(com.fasterxml.jackson.core.JsonStreamContext c) {
            java.util.Deque<String> parts = new java.util.ArrayDeque<>();
            for (; c != null; c = c.getParent()) {
                if (c.inObject() && c.getCurrentName() != null) {
                    parts.addFirst(c.getCurrentName());
                }
            }
            return String.join(".", parts);
        }

        @Override
        public void read(java.io.Reader in) throws ConfigurationException {
            try {
                read(new java.io.ByteArrayInputStream(new java.io.BufferedReader(in).lines().collect(java.util.stream.Collectors
                        .joining("\n")).getBytes(java.nio.charset.StandardCharsets.UTF_8)));
            } catch (UncheckedIOException e) {
                throw new ConfigurationException(e.getCause());
            }
        }
    }

    /**
     * Where and why a file did not parse, without the parsers' own messages: they quote the
     * offending text, which may be a {@code secret:} value.
     */
    static String parseProblem(Throwable e) {
        if (e instanceof org.yaml.snakeyaml.constructor.DuplicateKeyException d && d.getProblemMark() != null) {
            return "line " + (d.getProblemMark().getLine() + 1) + ", column " + (d.getProblemMark().getColumn() + 1)
                    + ": a key given twice (which value was meant?)";
        }
        if (e instanceof com.fasterxml.jackson.core.JsonProcessingException j && j.getLocation() != null
                && String.valueOf(j.getOriginalMessage()).startsWith("Duplicate field")) {
            return "line " + j.getLocation().getLineNr() + ", column " + j.getLocation().getColumnNr()
                    + ": a key given twice (which value was meant?)";
        }
        if (e instanceof org.yaml.snakeyaml.error.MarkedYAMLException y && y.getProblemMark() != null) {
            return "line " + (y.getProblemMark().getLine() + 1) + ", column " + (y.getProblemMark().getColumn() + 1)
                    + ": not valid YAML";
        }
        if (e instanceof com.fasterxml.jackson.core.JsonProcessingException j && j.getLocation() != null) {
            return "line " + j.getLocation().getLineNr() + ", column " + j.getLocation().getColumnNr() + ": not valid JSON";
        }
        if (e instanceof org.yaml.snakeyaml.error.MarkedYAMLException || e instanceof com.fasterxml.jackson.core.JsonProcessingException) {
            return "not valid " + (e instanceof org.yaml.snakeyaml.error.MarkedYAMLException ? "YAML" : "JSON");
        }
        return e.getMessage(); // SnakeYAML's limits (aliases, size) and I/O errors quote no content
    }
}
