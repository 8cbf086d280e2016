package dev.outpost.core.internal;

import dev.outpost.ConfigException;
import dev.outpost.core.config.Suggestions;
import java.io.IOException;
import java.io.InputStream;
import java.net.URL;
import java.util.Collections;
import java.util.Enumeration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Every configuration key the modules on the class path declare. Each module lists its keys with
 * their defaults in one file, {@value #RESOURCE}: {@code key=default}; an empty value means no
 * default; a value starting with {@value #SECRET} marks a secret (never printed), anything after
 * it being the default.
 */
public final class ConfigKeys {
    public static final String RESOURCE = "META-INF/outpost-config.properties";
    public static final String SECRET = "secret:";

    private static volatile ConfigKeys loaded;

    private final Map<String, String> defaults;
    private final Set<String> keys;
    private final Set<String> secrets;

    private ConfigKeys(Map<String, String> defaults, Set<String> keys, Set<String> secrets) {
        this.defaults = Collections.unmodifiableMap(defaults);
        this.keys = Collections.unmodifiableSet(keys);
        this.secrets = Collections.unmodifiableSet(secrets);
    }

    /** The keys of every module visible to this class's loader, read once. */
    public static ConfigKeys get() {
        ConfigKeys k = loaded;
        if (k == null) {
            k = read(ConfigKeys.class.getClassLoader());
            loaded = k;
        }
        return k;
    }

    static ConfigKeys read(ClassLoader loader) {
        Map<String, String> defaults = new TreeMap<>();
        Set<String> keys = new TreeSet<>();
        Set<String> secrets = new TreeSet<>();
        try {
            Enumeration<URL> files = loader.getResources(RESOURCE);
            while (files.hasMoreElements()) {
                URL url = files.nextElement();
                Properties p = new Properties();
                try (InputStream in = url.openStream()) {
                    // UTF-8 like the configuration files (Properties.load(InputStream) reads ISO-8859-1)
                    p.load(new java.io.StringReader(Utf8.decode(in.readAllBytes())));
                } catch (IllegalArgumentException e) {
                    throw ConfigException.of(RESOURCE, url + " " + e.getMessage() + ": configuration files are UTF-8");
                }
                for (String k : p.stringPropertyNames()) {
                    String v = p.getProperty(k).strip();
                    keys.add(k);
                    if (v.startsWith(SECRET)) {
                        secrets.add(k);
                        v = v.substring(SECRET.length()).strip();
                    }
                    if (!v.isEmpty()) {
                        defaults.put(k, v);
                    }
                }
            }
        } catch (IOException e) {
            throw ConfigException.of(RESOURCE, "cannot read the modules' configuration keys: " + e.getMessage());
        }
        return new ConfigKeys(defaults, keys, secrets);
    }

    /** Keys with a default, and the default. */
    public Map<String, String> defaults() {
        return defaults;
    }

    /** Every declared key. */
    public Set<String> keys() {
        return keys;
    }

    /** Whether {@code key} is declared and not secret, so its value may be shown. */
    public boolean isShowable(String key) {
        return keys.contains(key) && !secrets.contains(key);
    }

    /**
     * Whether {@code key} falls under a declared open prefix: a module that reads keys it cannot
     * list (rules named by the user, {@code outpost.ops.rules.NAME.FIELD}) declares
     * {@code outpost.ops.rules.*=} and every key under it is accepted.
     */
    public boolean acceptsUnder(String key) {
        for (String k : keys) {
            if (k.endsWith(".*") && key.startsWith(k.substring(0, k.length() - 1))) {
                return true;
            }
        }
        return false;
    }

    /** Declared keys under {@code prefix}. */
    public Set<String> under(String prefix) {
        Set<String> out = new TreeSet<>();
        for (String k : keys) {
            if (k.startsWith(prefix)) {
                out.add(k);
            }
        }
        return out;
    }

    /** The declared key nearest to {@code key} by edit distance, when one is reasonably close. */
    public Optional<String> nearest(String key) {
        return Suggestions.nearest(key, keys);
    }


    /**
     * The problem for an unknown key: names it (in {@link #shown} form), its layer and the nearest
     * valid key.
     */
    public ConfigException.Problem unknown(String key, Optional<String> source) {
        StringBuilder m = new StringBuilder("unknown key");
        source.ifPresent(s -> m.append(" (set in ").append(s).append(')'));
        nearest(key).ifPresentOrElse(n -> m.append("; did you mean ").append(n).append('?'),
                () -> m.append("; no module on the class path declares it"));
        return new ConfigException.Problem(shown(key), m.toString());
    }

    /**
     * {@code key} as an error may print it. A secret pasted where a key goes (a YAML mapping key, a
     * value indented one level too deep under a secret's key) becomes part of a key: a part that is
     * not word-like (more than 30 characters, or other than letters, digits, {@code -} and
     * {@code _}), and any part below a secret's key, is replaced by its length.
     */
    public String shown(String key) {
        StringBuilder out = new StringBuilder(Math.min(key.length(), 200));
        String[] parts = key.split("\\.", -1);
        boolean belowSecret = false;
        StringBuilder path = new StringBuilder();
        for (int i = 0; i < parts.length; i++) {
            String part = parts[i];
            if (i > 0) {
                out.append('.');
                path.append('.');
            }
            boolean hidden = belowSecret || part.length() > 30 || !WORD.matcher(part).matches();
            out.append(hidden ? "<" + part.length() + " characters, not shown>" : part);
            path.append(part);
            belowSecret |= secrets.contains(path.toString());
        }
        return out.toString();
    }

    /** Whether {@code key} is a declared secret key or lies below one. */
    public boolean belowSecret(String key) {
        StringBuilder path = new StringBuilder();
        for (String part : key.split("\\.", -1)) {
            if (path.length() > 0) {
                path.append('.');
            }
            path.append(part);
            if (secrets.contains(path.toString())) {
                return true;
            }
        }
        return false;
    }

    private static final java.util.regex.Pattern WORD = java.util.regex.Pattern.compile("[A-Za-z0-9_-]*");

    /** Every declared key with its default (empty when none), for listings. */
    public Map<String, String> listing() {
        Map<String, String> out = new LinkedHashMap<>();
        for (String k : keys) {
            out.put(k, secrets.contains(k) ? "(secret)" : defaults.getOrDefault(k, ""));
        }
        return out;
    }

    /** Unmodifiable view helper for tests. */
    public List<String> secretKeys() {
        return List.copyOf(secrets);
    }
}
