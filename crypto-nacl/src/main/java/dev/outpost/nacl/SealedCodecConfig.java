package dev.outpost.nacl;

import dev.outpost.ConfigException;
import dev.outpost.spi.ConfigSource;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.function.Predicate;

/**
 * Binds the {@code outpost.nacl.*} keys this module declares (in
 * {@code META-INF/outpost-config.properties}) for {@link SealedCodec.Builder}: a value set by a
 * builder method wins, then configuration, then the default; every bad value becomes a problem for
 * the one {@link ConfigException} that {@code build()} throws.
 */
final class SealedCodecConfig {
    static final String SECRET_KEY = "outpost.nacl.secret-key";
    static final String KNOWN_SENDERS = "outpost.nacl.known-senders";
    static final String RECIPIENTS = "outpost.nacl.recipients";
    static final String FRESHNESS = "outpost.nacl.freshness";
    static final String CLOCK_SKEW = "outpost.nacl.clock-skew";
    static final String REPLAY_CACHE_SIZE = "outpost.nacl.replay-cache-size";
    static final String REPLAY_QUOTA = "outpost.nacl.replay-quota-per-sender";
    static final String MAX_MESSAGE_BYTES = "outpost.nacl.max-message-bytes";
    static final int MIN_MESSAGE_BYTES = Envelope.DIRECT_HEADER + Envelope.MAC + Envelope.STAMP;
    static final Predicate<Duration> POSITIVE = d -> !d.isNegative() && !d.isZero();

    /** The tunables as resolved at build. */
    record Settings(Duration freshness, Duration clockSkew, int replayCacheSize, int replayQuota, int maxMessageBytes) {}

    /** The key files named by configuration, read. */
    record KeyMaterial(Optional<NaclKeyPair> identity, Optional<KnownSenders> knownSenders, List<NaclPublicKey> recipients) {}

    private final Optional<ConfigSource> config;
    private final List<ConfigException.Problem> problems;

    SealedCodecConfig(Optional<ConfigSource> config, List<ConfigException.Problem> problems) {
        this.config = config;
        this.problems = problems;
    }

    /** Whether configuration names a known-senders file (a worker's codec). */
    boolean namesKnownSenders() {
        return config.flatMap(c -> c.string(KNOWN_SENDERS)).filter(v -> !v.isBlank()).isPresent();
    }

    Duration duration(Optional<Duration> explicit, String key, Duration fallback, Predicate<Duration> valid, String rule) {
        return setting(explicit, key, fallback, ConfigSource::duration, valid, rule);
    }

    int integer(Optional<Integer> explicit, String key, int fallback, int min) {
        return setting(explicit, key, fallback, ConfigSource::intValue, n -> n >= min, "at least " + min);
    }

    private <T> T setting(Optional<T> explicit, String key, T fallback, Reader<T> read, Predicate<T> valid, String rule) {
        if (explicit.isPresent() || config.isEmpty()) {
            return explicit.orElse(fallback);
        }
        ConfigSource c = config.get();
        try {
            Optional<T> v = c.string(key).filter(t -> !t.isBlank()).isPresent() ? read.read(c, key) : Optional.empty();
            if (v.isPresent() && !valid.test(v.get())) {
                problems.add(new ConfigException.Problem(key, "must be " + rule + ", was " + v.get() + c.from(key)));
                return fallback;
            }
            return v.orElse(fallback);
        } catch (ConfigException e) {
            problems.addAll(e.problems());
            return fallback;
        }
    }

    /**
     * Reads the key files configuration names, for what the builder lacks, when sealing is
     * configured at all ({@link SealedCodec.Builder#isConfigured}).
     */
    KeyMaterial keyFiles(boolean needIdentity, boolean needSenders, boolean needRecipients, Clock clock) {
        Optional<NaclKeyPair> identity = Optional.empty();
        Optional<KnownSenders> senders = Optional.empty();
        List<NaclPublicKey> recipients = new ArrayList<>();
        Optional<ConfigSource> on = config.filter(SealedCodec.Builder::isConfigured);
        if (on.isEmpty()) {
            return new KeyMaterial(identity, senders, recipients);
        }
        ConfigSource c = on.get();
        List<NaclKeyPair> key = new ArrayList<>();
        List<KnownSenders> list = new ArrayList<>();
        if (needIdentity) {
            file(c, SECRET_KEY, true, f -> key.add(KeyFiles.readSecretKey(f)));
        }
        if (needSenders) {
            file(c, KNOWN_SENDERS, false, f -> list.add(KnownSenders.load(f, clock)));
        }
        if (needRecipients) {
            for (String f : c.list(RECIPIENTS)) {
                try {
                    recipients.add(KeyFiles.readTrustedPublicKey(Path.of(f)));
                } catch (RuntimeException e) {
                    problems.add(new ConfigException.Problem(RECIPIENTS, e.getMessage() + c.from(RECIPIENTS)));
                }
            }
        }
        if (needSenders && needRecipients && !namesKnownSenders() && c.list(RECIPIENTS).isEmpty()) {
            problems.add(new ConfigException.Problem(KNOWN_SENDERS, "sealing is configured (outpost.nacl.*) but names"
                    + " neither known-senders (a worker: whom to obey) nor recipients (a client: whom to seal for)"));
        }
        return new KeyMaterial(key.stream().findFirst(), list.stream().findFirst(), recipients);
    }

    private void file(ConfigSource c, String key, boolean required, Consumer<Path> read) {
        Optional<String> file = c.string(key).filter(v -> !v.isBlank());
        if (file.isEmpty()) {
            if (required) {
                problems.add(new ConfigException.Problem(key, "is required when sealing is configured (outpost.nacl.*):"
                        + " this host's secret key file"));
            }
            return;
        }
        try {
            read.accept(Path.of(file.get()));
        } catch (RuntimeException e) {
            problems.add(new ConfigException.Problem(key, e.getMessage() + c.from(key)));
        }
    }

    /** A typed getter of {@link ConfigSource}. */
    @FunctionalInterface
    private interface Reader<T> {
        Optional<T> read(ConfigSource source, String key);
    }
}
