package dev.outpost.kv;

import com.fasterxml.jackson.databind.JsonNode;
import dev.outpost.spi.Registry;
import dev.outpost.spi.RegistryEntry;
import java.io.Reader;
import java.lang.reflect.Proxy;
import java.time.Instant;
import java.util.Optional;

/**
 * Imports LINES generated lines of about 100 KB each (never all in memory here) into a registry
 * that keeps nothing; run with a heap smaller than their sum. Exits 0 and prints the count when
 * the import fit.
 */
public final class ImportUnderSmallHeapMain {
    private ImportUnderSmallHeapMain() {}

    public static void main(String[] args) {
        int lines = Integer.parseInt(args[0]);
        Registry registry = (Registry) Proxy.newProxyInstance(ImportUnderSmallHeapMain.class.getClassLoader(),
                new Class<?>[] {Registry.class}, (proxy, method, a) -> switch (method.getName()) {
                    case "writingAs" -> proxy;
                    case "get" -> Optional.empty();
                    case "register" -> new RegistryEntry((String) a[0], (JsonNode) a[1], 1, Instant.now(), Optional.empty(), false,
                            Optional.empty());
                    case "hashCode" -> System.identityHashCode(proxy);
                    case "equals" -> proxy == a[0];
                    default -> throw new UnsupportedOperationException(method.getName());
                });
        System.out.println(RegistryImport.into(registry, new Generated(lines), ImportMode.ADD));
    }

    /** The lines, made as they are read. */
    private static final class Generated extends Reader {
        private final int lines;
        private int made;
        private String current = "";
        private int at;

        Generated(int lines) {
            this.lines = lines;
        }

        @Override
        public int read(char[] buf, int off, int len) {
            if (at == current.length()) {
                if (made == lines) {
                    return -1;
                }
                current = "{\"key\":\"svc/k" + made + "\",\"value\":\"" + Character.toString('a' + made % 26).repeat(100_000) + "\"}\n";
                made++;
                at = 0;
            }
            int n = Math.min(len, current.length() - at);
            current.getChars(at, at + n, buf, off);
            at += n;
            return n;
        }

        @Override
        public void close() {}
    }
}
