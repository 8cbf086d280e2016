package dev.outpost.apiguard;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.lang.reflect.Constructor;
import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * Every published module's public API, listed from its compiled classes, must equal the listing
 * committed at {@code MODULE/api/ARTIFACT.api}. After a deliberate change, regenerate with
 * {@code ./mvnw -B -pl api-guard -am verify -Dtest=PublicApiTest -Dsurefire.failIfNoSpecifiedTests=false -Dapi.update=true} and commit the
 * listings: the diff is the API change a reviewer reads. Packages named {@code internal} are not
 * API and are left out.
 */
class PublicApiTest {
    /** Module folder and artifact; a module listed here must be a dependency of this one. */
    static final List<String[]> MODULES = List.of(
            new String[] {"api", "outpost-api"},
            new String[] {"core", "outpost-core"},
            new String[] {"testkit", "outpost-testkit"},
            new String[] {"testing", "outpost-testing"},
            new String[] {"transport-inmemory", "outpost-transport-inmemory"},
            new String[] {"transport-sqs", "outpost-transport-sqs"},
            new String[] {"crypto-nacl", "outpost-crypto-nacl"},
            new String[] {"collectors-http", "outpost-collectors-http"},
            new String[] {"collectors-host", "outpost-collectors-host"},
            new String[] {"broker-kv", "outpost-broker-kv"},
            new String[] {"fleet", "outpost-fleet"},
            new String[] {"micrometer", "outpost-micrometer"},
            new String[] {"ops", "outpost-ops"});

    @TestFactory
    Stream<DynamicTest> everyPublishedModuleMatchesItsCommittedListing() {
        return MODULES.stream().map(m -> DynamicTest.dynamicTest(m[1], () -> check(m[0], m[1])));
    }

    private void check(String module, String artifact) throws Exception {
        Path root = Path.of("..", module);
        Path classes = root.resolve("target/classes");
        assertThat(classes).as("compiled classes of " + module).isDirectory();
        List<String> listing = listing(classes);
        Path file = root.resolve("api").resolve(artifact + ".api");
        if (Boolean.getBoolean("api.update")) {
            Files.createDirectories(file.getParent());
            Files.write(file, listing);
            return;
        }
        assertThat(file).as("no committed API listing for " + artifact
                + ": run ./mvnw -B -pl api-guard -am verify -Dtest=PublicApiTest -Dsurefire.failIfNoSpecifiedTests=false -Dapi.update=true and commit " + file).exists();
        List<String> committed = Files.readAllLines(file);
        Set<String> added = new LinkedHashSet<>(listing);
        committed.forEach(added::remove);
        Set<String> removed = new LinkedHashSet<>(committed);
        listing.forEach(removed::remove);
        assertThat(added.isEmpty() && removed.isEmpty())
                .as("the public API of " + artifact + " changed.\n  added:\n    " + String.join("\n    ", added)
                        + "\n  removed:\n    " + String.join("\n    ", removed)
                        + "\nIf this is meant, run ./mvnw -B -pl api-guard -am verify -Dtest=PublicApiTest -Dsurefire.failIfNoSpecifiedTests=false -Dapi.update=true and commit " + file)
                .isTrue();
    }

    static List<String> listing(Path classes) throws IOException, ClassNotFoundException {
        List<String> names = new ArrayList<>();
        try (Stream<Path> files = Files.walk(classes)) {
            for (Path p : (Iterable<Path>) files::iterator) {
                String rel = classes.relativize(p).toString().replace('\\', '/');
                if (rel.endsWith(".class") && !rel.equals("module-info.class") && !rel.contains("/internal/")) {
                    names.add(rel.substring(0, rel.length() - 6).replace('/', '.'));
                }
            }
        }
        List<String> out = new ArrayList<>();
        ClassLoader loader = PublicApiTest.class.getClassLoader();
        for (String name : new TreeSet<>(names)) {
            Class<?> c = Class.forName(name, false, loader);
            if (!isVisible(c)) {
                continue;
            }
            out.add(describe(c));
            Set<String> members = new TreeSet<>();
            for (Constructor<?> k : c.getDeclaredConstructors()) {
                if (isApi(k.getModifiers()) && !k.isSynthetic()) {
                    members.add("  " + k.toGenericString().replace(c.getName(), c.getSimpleName()));
                }
            }
            for (Method m : c.getDeclaredMethods()) {
                if (isApi(m.getModifiers()) && !m.isSynthetic() && !m.isBridge()) {
                    members.add("  " + m.toGenericString().replace(c.getName() + ".", ""));
                }
            }
            for (Field f : c.getDeclaredFields()) {
                if (isApi(f.getModifiers()) && !f.isSynthetic()) {
                    members.add("  " + f.toGenericString().replace(c.getName() + ".", ""));
                }
            }
            out.addAll(members);
        }
        return out;
    }

    private static boolean isVisible(Class<?> c) {
        for (Class<?> k = c; k != null; k = k.getEnclosingClass()) {
            if (k.isAnonymousClass() || k.isLocalClass() || k.isSynthetic() || !isApi(k.getModifiers())) {
                return false;
            }
        }
        return true;
    }

    private static boolean isApi(int modifiers) {
        return Modifier.isPublic(modifiers) || Modifier.isProtected(modifiers);
    }

    private static String describe(Class<?> c) {
        StringBuilder s = new StringBuilder(Modifier.toString(c.getModifiers() & ~Modifier.INTERFACE & ~Modifier.ABSTRACT
                & ~Modifier.STATIC));
        s.append(s.length() > 0 ? " " : "");
        s.append(c.isInterface() ? (c.isAnnotation() ? "@interface " : "interface ") : c.isEnum() ? "enum "
                : c.isRecord() ? "record " : Modifier.isAbstract(c.getModifiers()) ? "abstract class " : "class ");
        s.append(c.getName());
        if (c.getGenericSuperclass() != null && c.getSuperclass() != Object.class && !c.isEnum() && !c.isRecord()) {
            s.append(" extends ").append(c.getGenericSuperclass().getTypeName());
        }
        if (c.getGenericInterfaces().length > 0) {
            s.append(c.isInterface() ? " extends " : " implements ");
            List<String> is = new ArrayList<>();
            for (var t : c.getGenericInterfaces()) {
                is.add(t.getTypeName());
            }
            s.append(String.join(", ", is));
        }
        return s.toString();
    }
}
