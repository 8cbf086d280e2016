package dev.outpost.inmemory;

import static org.assertj.core.api.Assertions.assertThat;

import dev.outpost.testsupport.JavaSources;
import dev.outpost.testsupport.ReadmeCode;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every Java block of this module's README compiles as a user would paste it: a block that is a
 * class as its own file, a block of statements in a method, its imports at the top of the file.
 */
class ReadmeSnippetsTest {
    private static final Pattern CLASS = Pattern.compile("(?m)^(?:@\\S+\\s+)*(?:public\\s+)?class\\s+(\\w+)");

    @TempDir
    Path dir;

    @Test
    void everyJavaBlockCompiles() throws Exception {
        List<Path> sources = new ArrayList<>();
        for (ReadmeCode.Block b : ReadmeCode.read(Path.of("README.md")).blocks("java")) {
            String block = b.code();
            Matcher c = CLASS.matcher(block);
            String name = c.find() ? c.group(1) : "Snippet" + sources.size();
            String source = c.find(0) ? block : block.lines().filter(l -> l.startsWith("import ")).collect(Collectors.joining("\n"))
                    + "\n\nclass " + name + " {\n    void snippet() throws Exception {\n"
                    + block.lines().filter(l -> !l.startsWith("import ")).collect(Collectors.joining("\n")) + "\n    }\n}\n";
            sources.add(JavaSources.write(dir, name + ".java", source));
        }
        assertThat(sources).as("java blocks in README.md").hasSize(2);
        JavaSources.Compilation javac = JavaSources.compile(dir, JavaSources.classpath(), sources);
        assertThat(javac.exitCode()).as(javac.diagnostics()).isZero();
    }
}
