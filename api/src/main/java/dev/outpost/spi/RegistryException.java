package dev.outpost.spi;

import dev.outpost.OutpostException;

/** A registry operation was refused; the subclasses say why and name the key. */
public class RegistryException extends OutpostException {
    private static final long serialVersionUID = 1L;
    private final String key;

    /** A refusal concerning {@code key}. */
    public RegistryException(String key, String message) {
        super(message);
        this.key = key;
    }

    /** The key concerned. */
    public String key() {
        return key;
    }

    /** {@code register} found the key present. */
    public static final class KeyExists extends RegistryException {
        private static final long serialVersionUID = 1L;

        /** The key that exists. */
        public KeyExists(String key) {
            super(key, "key '" + key + "' is already registered");
        }
    }

    /** The key is absent. */
    public static final class NoSuchKey extends RegistryException {
        private static final long serialVersionUID = 1L;

        /** The key that is absent. */
        public NoSuchKey(String key) {
            super(key, "key '" + key + "' is not registered");
        }
    }

    /** A compare-and-set found another version. */
    public static final class VersionConflict extends RegistryException {
        private static final long serialVersionUID = 1L;
        private final long expected;
        private final long actual;

        /** The key was at {@code actual}, not {@code expected}. */
        public VersionConflict(String key, long expected, long actual) {
            super(key, "key '" + key + "' is at version " + actual + ", not " + expected);
            this.expected = expected;
            this.actual = actual;
        }

        /** The version the caller expected. */
        public long expected() {
            return expected;
        }

        /** The key's current version. */
        public long actual() {
            return actual;
        }
    }
}
