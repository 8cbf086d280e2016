package dev.outpost.testsupport;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * The fenced code blocks of one README, as a user reads them: by language, the Java snippets, and
 * the whole files (a Java block whose first line is {@code // File: X.java}). A block a test asks
 * for that is not there fails with the README's path and what it does have.
 */
public final class ReadmeCode {
    private static final String FILE_MARK = "// File: ";
    private static final Pattern FILE_LINE = Pattern.compile("// File: (\\S+\\.java)\\n");

    private final Path path;
    private final String text;

    private ReadmeCode(Path path, String text) {
        this.path = path;
        this.text = text;
    }

    /** Reads {@code readme}; a missing or unreadable file fails naming it. */
    public static ReadmeCode read(Path readme) {
        try {
            return new ReadmeCode(readme, Files.readString(readme));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + readme.toAbsolutePath().normalize(), e);
        }
    }

    /** The README's path, as given to {@link #read}. */
    public Path path() {
        return path;
    }

    /** The README's whole text. */
    public String text() {
        return text;
    }

    /** Every {@code ```language} block, in the README's order. */
    public List<Block> blocks(String language) {
        Matcher m = Pattern.compile("```" + Pattern.quote(language) + "\\n(.*?)```", Pattern.DOTALL).matcher(text);
        List<Block> blocks = new ArrayList<>();
        while (m.find()) {
            int line = (int) text.substring(0, m.start()).lines().count() + 1;
            blocks.add(new Block(path, line, m.group(1)));
        }
        return Collections.unmodifiableList(blocks);
    }

    /** The Java blocks that are not whole files: what a user pastes into their own code. */
    public List<Block> snippets() {
        return blocks("java").stream().filter(b -> !b.code().startsWith(FILE_MARK)).toList();
    }

    /** The whole files, by name ({@code X.java}), in the README's order; each without its {@code // File:} line. */
    public Map<String, String> files() {
        Map<String, String> files = new LinkedHashMap<>();
        for (Block b : blocks("java")) {
            Matcher m = FILE_LINE.matcher(b.code());
            if (m.lookingAt()) {
                files.put(m.group(1), b.code().substring(m.end()));
            }
        }
        return Collections.unmodifiableMap(files);
    }

    /** The whole file {@code name} ({@code X.java}), without its {@code // File:} line. */
    public String file(String name) {
        Map<String, String> files = files();
        String code = files.get(name);
        if (code == null) {
            throw new AssertionError(path + " has no ```java block starting '" + FILE_MARK + name + "' (its whole files: "
                    + files.keySet() + ")");
        }
        return code;
    }

    /**
     * One fenced block.
     *
     * @param readme the README it is in
     * @param line the line of its opening fence
     * @param code its text, without the fences
     */
    public record Block(Path readme, int line, String code) {
        /** Where it is, for a test's name and failure messages: {@code README.md line N}. */
        public String where() {
            return readme.getFileName() + " line " + line;
        }

        /** A class name for it in a compiled source: {@code SnippetN}. */
        public String className() {
            return "Snippet" + line;
        }

        /** Its {@code import} lines, which a user puts at the top of their file. */
        public String imports() {
            return code.lines().filter(l -> l.startsWith("import ")).collect(Collectors.joining("\n"));
        }

        /** Its other lines; a line that is only {@code ...} (the user's own code) becomes a comment. */
        public String statements() {
            return code.lines().filter(l -> !l.startsWith("import "))
                    .map(l -> l.strip().equals("...") ? "// ..." : l).collect(Collectors.joining("\n"));
        }

        /**
         * Its source inside a prelude: {@code template} formatted with {@code %1$s} the class name,
         * {@code %2$s} its {@link #statements()} and {@code %3$s} its {@link #imports()}.
         */
        public String inPrelude(String template) {
            return template.formatted(className(), statements(), imports());
        }
    }
}
