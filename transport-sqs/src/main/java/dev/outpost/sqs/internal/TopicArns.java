package dev.outpost.sqs.internal;

import dev.outpost.ConfigException;
import dev.outpost.spi.ConfigSource;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Logical destinations mapped to SNS topics: the {@value #KEY} key ({@code NAME=ARN} entries, comma-separated or a
 * YAML list) and the ARN shape every mapping is checked against, so that a queue's ARN, a topic's name or a URL given
 * for a topic fails when the transport is built rather than at its first send.
 */
public final class TopicArns {
    public static final String KEY = "outpost.sqs.topics";
    /**
     * {@code arn:PARTITION:sns:REGION:ACCOUNT:NAME}: partitions aws, aws-cn, aws-us-gov, aws-iso...; region and account
     * as lenient as {@link QueueUrls}'s queue ARNs, for emulators; a FIFO topic's name ends in {@code .fifo}.
     */
    private static final Pattern ARN = Pattern.compile(
            "arn:aws(-[a-z]+)*:sns:[a-z0-9-]+:([0-9]{12}|[0-9a-z]{1,64}):[A-Za-z0-9_-]{1,256}(\\.fifo)?");
    static final String SHAPE = "arn:aws:sns:REGION:ACCOUNT:NAME";

    private TopicArns() {}

    /** Whether {@code arn} has an SNS topic ARN's shape. */
    public static boolean isTopicArn(String arn) {
        return ARN.matcher(arn).matches();
    }

    /** A topic ARN set by a builder call, else an {@link IllegalArgumentException} naming it. */
    public static String check(String topicArn) {
        if (!isTopicArn(topicArn)) {
            throw new IllegalArgumentException("topicArn '" + clip(topicArn) + "' is not an SNS topic ARN (" + SHAPE + ")");
        }
        return topicArn;
    }

    /** The key's mappings in the order given; every bad entry is added to {@code problems}. */
    public static Map<String, String> read(ConfigSource c, List<ConfigException.Problem> problems) {
        Map<String, String> out = new LinkedHashMap<>();
        for (String entry : c.list(KEY)) {
            int eq = entry.indexOf('=');
            String name = eq < 0 ? "" : entry.substring(0, eq).trim();
            String arn = eq < 0 ? "" : entry.substring(eq + 1).trim();
            if (name.isEmpty() || arn.isEmpty()) {
                problems.add(new ConfigException.Problem(KEY, "'" + clip(entry) + "' is not NAME=ARN (a logical name, then"
                        + " the SNS topic ARN it sends to: fleet=" + SHAPE + ")" + c.from(KEY)));
            } else if (!isTopicArn(arn)) {
                problems.add(new ConfigException.Problem(KEY, "'" + clip(arn) + "' (for '" + clip(name)
                        + "') is not an SNS topic ARN (" + SHAPE + ")" + c.from(KEY)));
            } else if (out.putIfAbsent(name, arn) != null) {
                problems.add(new ConfigException.Problem(KEY, "maps '" + clip(name) + "' twice" + c.from(KEY)));
            }
        }
        return out;
    }

    /** Errors quote what was given, but not without end. */
    private static String clip(String s) {
        return s.length() <= 300 ? s : s.substring(0, 300) + "...";
    }
}
