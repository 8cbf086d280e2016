package dev.outpost.apiguard;

import java.io.IOException;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Writes {@code docs/configuration.md} from the keys every module declares in its
 * {@code src/main/resources/META-INF/outpost-config.properties} ({@code key=default}; a value
 * starting with {@code secret:} marks a secret; a {@code # key: [type] description} comment line
 * describes the key, the type being optional where the default shows it) and from the worked
 * examples in {@code docs/examples/*.yaml} (each introduced by its leading comment lines). Reads
 * whatever modules exist under the repository root, so a module or key added anywhere appears
 * after one regeneration.
 */
final class ConfigReference {
    static final String RESOURCE = "src/main/resources/META-INF/outpost-config.properties";
    static final String SECRET = "secret:";
    static final String REGENERATE = "./mvnw -B -q -o -pl api-guard -am verify -Dtest=ConfigReferenceTest"
            + " -Dsurefire.failIfNoSpecifiedTests=false -Dconfig.update=true";
    private static final Pattern DESCRIPTION = Pattern.compile("^#\\s*(outpost\\.[^:\\s]+):\\s*(?:\\[([^\\]]+)\\]\\s*)?(.*)$");
    private static final Pattern KEY = Pattern.compile("^\\s*(outpost\\.[^=:\\s]+)\\s*[=:]");
    private static final Pattern DURATION = Pattern.compile("^\\d+(ms|s|m|h|d)$|^P.*");

    /** One declared key. */
    record Key(String key, String type, String defaultValue, boolean secret, String description) {}

    /** One module's declarations. */
    record Module(String folder, String artifact, List<Key> keys) {}

    private ConfigReference() {}

    /** Every module under {@code root} that declares keys: core first, then by folder. */
    static List<Module> modules(Path root) throws IOException {
        List<Module> out = new ArrayList<>();
        try (Stream<Path> dirs = Files.list(root)) {
            for (Path dir : (Iterable<Path>) dirs.sorted(Comparator.comparing((Path p) -> !p.getFileName().toString().equals("core"))
                    .thenComparing(p -> p.getFileName().toString()))::iterator) {
                Path file = dir.resolve(RESOURCE);
                if (Files.isRegularFile(file)) {
                    out.add(new Module(dir.getFileName().toString(), artifact(dir), keys(file)));
                }
            }
        }
        return out;
    }

    static List<Key> keys(Path file) throws IOException {
        String text = Files.readString(file, StandardCharsets.UTF_8);
        Properties values = new Properties();
        values.load(new StringReader(text));
        Map<String, String[]> described = new LinkedHashMap<>();
        List<String> order = new ArrayList<>();
        for (String line : text.split("\n")) {
            Matcher d = DESCRIPTION.matcher(line.strip());
            if (d.matches()) {
                described.put(d.group(1), new String[] {d.group(2), d.group(3).strip()});
                continue;
            }
            Matcher k = KEY.matcher(line);
            if (!line.strip().startsWith("#") && k.find() && !order.contains(k.group(1))) {
                order.add(k.group(1));
            }
        }
        List<Key> keys = new ArrayList<>();
        for (String key : order) {
            String value = values.getProperty(key, "").strip();
            boolean secret = value.startsWith(SECRET);
            String def = secret ? value.substring(SECRET.length()).strip() : value;
            String[] d = described.getOrDefault(key, new String[] {null, ""});
            String type = d[0] != null ? d[0].strip() : def.isEmpty() ? "text" : DURATION.matcher(def).matches() ? "duration"
                    : def.matches("-?\\d+") ? "integer" : def.equals("true") || def.equals("false") ? "boolean" : "text";
            keys.add(new Key(key, type, def, secret, d[1]));
        }
        return keys;
    }

    private static String artifact(Path dir) throws IOException {
        Path pom = dir.resolve("pom.xml");
        if (!Files.isRegularFile(pom)) {
            return dir.getFileName().toString();
        }
        String xml = Files.readString(pom);
        int afterParent = Math.max(0, xml.indexOf("</parent>"));
        Matcher m = Pattern.compile("<artifactId>([^<]+)</artifactId>").matcher(xml);
        return m.find(afterParent) ? m.group(1) : dir.getFileName().toString();
    }

    /** The whole page. */
    static String render(Path root) throws IOException {
        StringBuilder s = new StringBuilder();
        s.append("# Configuration reference\n\n");
        s.append("<!-- Generated from every module's ").append(RESOURCE).append(" and docs/examples/*.yaml:\n")
                .append("     do not edit by hand. Regenerate with\n     ").append(REGENERATE).append(" -->\n\n");
        s.append("Every key a module declares, with its default. `OutpostConfig.load(Optional.of(file))` (package\n")
                .append("`dev.outpost.core.config`, artifact `outpost-core`) layers, later wins: these defaults <\n")
                .append("`/etc/outpost/outpost.{yaml,yml,json,properties}` < your file < environment\n")
                .append("(`OUTPOST_WORKER_CONCURRENCY`) < system properties (`-Doutpost.worker.concurrency=4`); each\n")
                .append("component's `builder(...).configure(config)` binds its own keys, and a method called on the\n")
                .append("builder wins over configuration. A key under `outpost.` that no module on the class path declares\n")
                .append("fails `load()`, naming the nearest key (settings of collectors, `outpost.collectors.NAME.KEY`, are\n")
                .append("checked when the worker is built). Secret values are never printed (`outpost.config`, start lines).\n\n")
                .append("Durations: `500ms`, `30s`, `5m`, `1h`, `2d` or ISO-8601 (`PT30S`). Lists: comma-separated (a YAML\n")
                .append("list works too). In YAML, nest on the dots (`outpost: worker: concurrency: 4`); a key whose last\n")
                .append("part holds a dot is written whole (`reply-to.allow: outpost-client-*`).\n\n");
        s.append("How to declare keys (a module, or an application's own collectors): list them in\n")
                .append("`src/main/resources/META-INF/outpost-config.properties` as `key=default` (empty: no default;\n")
                .append("`secret:` before the default marks a secret), each with a `# key: [type] description` line\n")
                .append("above it; then regenerate this page with the command in its first comment.\n\n");
        List<Module> modules = modules(root);
        s.append("Modules: ");
        List<String> links = new ArrayList<>();
        for (Module m : modules) {
            links.add("[" + m.artifact() + "](#" + m.artifact() + ")");
        }
        s.append(String.join(", ", links)).append("; [worked examples](#worked-examples).\n\n");
        for (Module m : modules) {
            s.append("## ").append(m.artifact()).append("\n\n");
            s.append("Declared in [`").append(m.folder()).append('/').append(RESOURCE).append("`](../").append(m.folder()).append('/')
                    .append(RESOURCE).append(").\n\n");
            s.append("| key | type | default | secret | what it does |\n|---|---|---|---|---|\n");
            for (Key k : m.keys()) {
                s.append("| `").append(k.key()).append("` | ").append(k.type()).append(" | ")
                        .append(k.defaultValue().isEmpty() ? "–" : "`" + cell(k.defaultValue()) + "`").append(" | ")
                        .append(k.secret() ? "yes" : "").append(" | ")
                        .append(k.description().isEmpty() ? "**undocumented**: add a `# " + k.key() + ": …` line" : cell(k.description()))
                        .append(" |\n");
            }
            s.append('\n');
        }
        s.append("## Worked examples\n\n");
        s.append("Each file below is loaded through `OutpostConfig` by `ConfigExamplesTest` in `samples` (which\n")
                .append("also builds the worker and the client from theirs), so they keep up with the keys.\n\n");
        Path examples = root.resolve("docs/examples");
        if (Files.isDirectory(examples)) {
            try (Stream<Path> files = Files.list(examples)) {
                for (Path f : (Iterable<Path>) files.filter(p -> p.toString().endsWith(".yaml")).sorted()::iterator) {
                    example(s, f);
                }
            }
        }
        return s.toString();
    }

    private static void example(StringBuilder s, Path file) throws IOException {
        List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        StringBuilder intro = new StringBuilder();
        int i = 0;
        while (i < lines.size() && lines.get(i).startsWith("#")) {
            String t = lines.get(i).substring(1).strip();
            intro.append(t.isEmpty() ? "\n\n" : (intro.length() == 0 || intro.toString().endsWith("\n") ? "" : " ") + t);
            i++;
        }
        s.append("### [`docs/examples/").append(file.getFileName()).append("`](examples/").append(file.getFileName()).append(")\n\n");
        if (intro.length() > 0) {
            s.append(intro.toString().strip()).append("\n\n");
        }
        s.append("```yaml\n");
        for (String line : lines.subList(i, lines.size())) {
            s.append(line).append('\n');
        }
        s.append("```\n\n");
    }

    private static String cell(String text) {
        return text.replace("|", "\\|").replace("<", "&lt;").replace(">", "&gt;");
    }
}
