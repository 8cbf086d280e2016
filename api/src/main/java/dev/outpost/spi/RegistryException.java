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

    /** A refusal concerning {@code key}, caused by {@code cause}. */
    public RegistryException(String key, String message, Throwable cause) {
        super(message, cause);
        this.key = key;
    }

    /** The key concerned (or the prefix, or an empty string when no key is concerned). */
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

    /** A key, prefix or page token breaks the rules of {@link RegistryKeys}; nothing was written. */
    public static final class InvalidKey extends RegistryException {
        private static final long serialVersionUID = 1L;

        /** {@code key} is invalid for {@code reason}. */
        public InvalidKey(String key, String reason) {
            super(key, "invalid key '" + RegistryKeys.printable(key) + "': " + reason);
        }
    }

    /** A value is not an acceptable JSON document (too large, or not JSON); nothing was written. */
    public static final class InvalidValue extends RegistryException {
        private static final long serialVersionUID = 1L;

        /** The value for {@code key} is invalid for {@code reason}. */
        public InvalidValue(String key, String reason) {
            super(key, "invalid value for '" + key + "': " + reason);
        }
    }

    /** The caller may not read or write the key's namespace; the message says why, never a secret. */
    public static final class Forbidden extends RegistryException {
        private static final long serialVersionUID = 1L;

        /** Access to {@code key} refused for {@code reason}. */
        public Forbidden(String key, String reason) {
            super(key, "access to '" + key + "' refused: " + reason);
        }
    }

    /** The registry was closed; nothing was done. */
    public static final class Closed extends RegistryException {
        private static final long serialVersionUID = 1L;

        /** The registry named {@code registry} is closed. */
        public Closed(String registry) {
            super("", registry + " is closed");
        }
    }

    /**
     * The store could not be reached or failed (disk full, I/O error, network, timeout). Whether a
     * write that failed this way took effect is unknown; read the key to find out.
     */
    public static final class Unavailable extends RegistryException {
        private static final long serialVersionUID = 1L;

        /** The store failed while working on {@code key}. */
        public Unavailable(String key, String message, Throwable cause) {
            super(key, message, cause);
        }
    }
}
