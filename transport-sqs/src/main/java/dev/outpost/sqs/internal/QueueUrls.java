package dev.outpost.sqs.internal;

import dev.outpost.spi.NoSuchDestinationException;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import software.amazon.awssdk.services.sqs.SqsAsyncClient;

/**
 * Logical destinations to queue URLs, resolved on first use and remembered (those used lately, up
 * to {@value #MAX_ENTRIES}: reply queues come and go, and senders name them): nothing is looked up
 * when the transport is built, so it builds and starts while SQS is unreachable, and a lookup that
 * fails is a failed send (or receive) the caller can retry. A destination is a queue URL (used as
 * it is), a queue ARN ({@code arn:PARTITION:sqs:REGION:ACCOUNT:NAME}, looked up by name and
 * owner account), or a queue name.
 */
public final class QueueUrls {
    private static final Pattern ARN = Pattern.compile("arn:[a-z-]+:sqs:([a-z0-9-]+):([0-9]{12}|[0-9a-z]{1,64}):([A-Za-z0-9_-]{1,80}(\\.fifo)?)");
    /** A queue URL's path: {@code /ACCOUNT/NAME}, as SQS and the emulators make them. */
    private static final Pattern URL_PATH = Pattern.compile("/[0-9A-Za-z]{1,64}/[A-Za-z0-9_-]{1,80}(\\.fifo)?");

    private final SqsAsyncClient sqs;
    private final Map<String, String> names;
    /** The most URLs remembered: one per reply queue seen, and replyTo comes from senders, so not one for each ever seen. */
    static final int MAX_ENTRIES = 10_000;

    private final int generation;
    /**
     * Two generations: URLs used since the last turn, and those of the turn before. A full young one becomes the old
     * (the old forgotten); one used again moves back to the young, so a queue in use stays known. No lock on a look-up.
     */
    private volatile Map<String, CompletableFuture<String>> young = new ConcurrentHashMap<>();
    private volatile Map<String, CompletableFuture<String>> old = new ConcurrentHashMap<>();

    public QueueUrls(SqsAsyncClient sqs, Map<String, String> names) {
        this(sqs, names, MAX_ENTRIES);
    }

    QueueUrls(SqsAsyncClient sqs, Map<String, String> names, int maxEntries) {
        this.generation = Math.max(1, maxEntries / 2);
        this.sqs = sqs;
        this.names = Map.copyOf(names);
    }

    /** What {@code logical} maps to: a name, URL or ARN. */
    public String name(String logical) {
        return names.getOrDefault(logical, logical);
    }

    /** How error messages name the queue behind {@code logical}. */
    public String describe(String logical) {
        // a replyTo is the sender's text: as long as it likes, newlines included, and this goes into logged errors
        return "SQS queue '" + Failures.printable(name(logical), Failures.MAX_NAME) + "'";
    }

    public static boolean isUrl(String s) {
        return s.startsWith("https://") || s.startsWith("http://");
    }

    /** Whether {@code url} is exactly a queue's: no path beyond account and name, no user, query or fragment. */
    static boolean isQueueUrl(String url) {
        java.net.URI u;
        try {
            u = new java.net.URI(url);
        } catch (java.net.URISyntaxException e) {
            return false;
        }
        return u.getHost() != null && u.getRawUserInfo() == null && u.getRawQuery() == null && u.getRawFragment() == null
                && u.getRawPath() != null && URL_PATH.matcher(u.getRawPath()).matches();
    }

    /** The queue URL, now when known, else once SQS answers; failed lookups are not remembered. */
    public CompletableFuture<String> url(String logical) {
        CompletableFuture<String> known = known(logical);
        if (known != null && !known.isCompletedExceptionally()) {
            return known;
        }
        String name = name(logical);
        if (isUrl(name)) {
            if (!isQueueUrl(name)) {
                // a replyTo is matched against allow patterns as a prefix: ".../outpost-replies-x/../victim" passes them,
                // and a server that resolves the path (ElasticMQ does) would send to "victim"
                return CompletableFuture.failedFuture(new NoSuchDestinationException(logical, "'" + clip(name)
                        + "' is not an SQS queue URL (SCHEME://HOST/ACCOUNT/NAME, nothing more); give a queue URL, ARN or name"));
            }
            CompletableFuture<String> done = CompletableFuture.completedFuture(name);
            remember(logical, done);
            return done;
        }
        CompletableFuture<String> lookup;
        if (name.startsWith("arn:")) {
            Matcher m = ARN.matcher(name);
            if (!m.matches()) {
                return CompletableFuture.failedFuture(new NoSuchDestinationException(logical, "'" + clip(name)
                        + "' is not an SQS queue ARN (arn:aws:sqs:REGION:ACCOUNT:NAME); give a queue URL, ARN or name"));
            }
            String account = m.group(2);
            String queue = m.group(3);
            lookup = call(logical, () -> sqs.getQueueUrl(r -> r.queueName(queue).queueOwnerAWSAccountId(account)));
        } else {
            lookup = call(logical, () -> sqs.getQueueUrl(r -> r.queueName(name)));
        }
        CompletableFuture<String> resolved = lookup.handle((url, e) -> {
            if (e != null) {
                throw new java.util.concurrent.CompletionException(Failures.fail(logical, describe(logical), "looking up", e));
            }
            return url;
        });
        remember(logical, resolved); // two threads racing here look up twice: harmless
        resolved.whenComplete((u, e) -> {
            if (e != null) { // look again next time
                young.remove(logical, resolved);
                old.remove(logical, resolved);
            }
        });
        return resolved;
    }

    private CompletableFuture<String> known(String logical) {
        CompletableFuture<String> f = young.get(logical);
        if (f == null) {
            f = old.get(logical);
            if (f != null) {
                remember(logical, f);
            }
        }
        return f;
    }

    private void remember(String logical, CompletableFuture<String> url) {
        Map<String, CompletableFuture<String>> y = young;
        y.put(logical, url);
        if (y.size() >= generation) {
            synchronized (this) {
                if (young == y) {
                    old = y;
                    young = new ConcurrentHashMap<>();
                }
            }
        }
    }

    private static CompletableFuture<String> call(String logical,
            java.util.function.Supplier<CompletableFuture<software.amazon.awssdk.services.sqs.model.GetQueueUrlResponse>> c) {
        try {
            return c.get().thenApply(r -> r.queueUrl());
        } catch (Throwable e) { // the SDK may throw before it returns a future, and the client is the user's: even an Error
            // fails the look-up alone, not the receive dead-lettering an unreadable message (its good ones stranded)
            return CompletableFuture.failedFuture(e);
        }
    }

    private static String clip(String s) {
        String t = s.length() > 120 ? s.substring(0, 120) + "..." : s;
        return t.replaceAll("[^\\x20-\\x7e]", "?");
    }

    /** URLs (and look-ups) remembered. */
    int size() {
        return young.size() + old.size();
    }

    /** Whether {@code s} is a destination that names a queue by itself (URL or ARN), not a logical name. */
    public static boolean isAddress(String s) {
        return isUrl(s) || s.startsWith("arn:");
    }
}
