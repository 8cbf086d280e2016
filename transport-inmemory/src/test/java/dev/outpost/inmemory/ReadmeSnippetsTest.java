package dev.outpost.inmemory;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import javax.tools.ToolProvider;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every Java block of this module's README compiles as a user would paste it: a block that is a
 * class as its own file, a block of statements in a method, its imports at the top of the file.
 */
class ReadmeSnippetsTest {
    private static final Pattern BLOCK = Pattern.compile("```java\\n(.*?)```", Pattern.DOTALL);
    private static final Pattern CLASS = Pattern.compile("(?m)^(?:@\\S+\\s+)*(?:public\\s+)?class\\s+(\\w+)");

    @TempDir
    Path dir;

    @Test
    void everyJavaBlockCompiles() throws Exception {
        Matcher m = BLOCK.matcher(Files.readString(Path.of("README.md")));
        List<Path> sources = new ArrayList<>();
        while (m.find()) {
            String block = m.group(1);
            Matcher c = CLASS.matcher(block);
            String name = c.find() ? c.group(1) : "Snippet" + sources.size();
            String source = c.find(0) ? block : block.lines().filter(l -> l.startsWith("import ")).collect(Collectors.joining("\n"))
                    + "\n\nclass " + name + " {\n    void snippet() throws Exception {\n"
                    + block.lines().filter(l -> !l.startsWith("import ")).collect(Collectors.joining("\n")) + "\n    }\n}\n";
            sources.add(Files.writeString(dir.resolve(name + ".java"), source));
        }
        assertThat(sources).as("java blocks in README.md").hasSize(2);
        String cp = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        ByteArrayOutputStream errors = new ByteArrayOutputStream();
        List<String> args = new ArrayList<>(List.of("-d", dir.toString(), "-cp", cp, "-proc:none"));
        sources.forEach(s -> args.add(s.toString()));
        int rc = ToolProvider.getSystemJavaCompiler().run(null, errors, errors, args.toArray(String[]::new));
        assertThat(rc).as(errors.toString(StandardCharsets.UTF_8)).isZero();
    }
}
