package dev.outpost.core.internal;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Masks the user-info of URLs in a configuration value ({@code scheme://user:secret@host/…} →
 * {@code scheme://****@host/…}), also when the secret holds {@code /}, {@code @}, {@code ,},
 * {@code ;} or blanks unencoded. A URL's part of the value runs from its scheme to the next
 * URL (a list of URLs is several parts), not to the next separator: a secret holding a separator
 * showed what came before it. In each part everything from the scheme up to its last {@code @}
 * is masked: a path, or a text after the URL, with an {@code @} is masked too, which errs on the
 * safe side.
 */
public final class UserInfo {
    private static final Pattern TOKEN = Pattern.compile("[^\\s,;]+");
    private static final String MASK = "****";

    private UserInfo() {}

    /** {@code value} with the user-info of every URL in it masked. */
    public static String mask(String value) {
        if (value == null || value.indexOf('@') < 0 || !value.contains("://")) {
            return value;
        }
        List<Integer> urls = new ArrayList<>(); // where each token holding a scheme starts
        Matcher m = TOKEN.matcher(value);
        while (m.find()) {
            if (m.group().contains("://")) {
                urls.add(m.start());
            }
        }
        StringBuilder out = new StringBuilder(value.substring(0, urls.get(0)));
        for (int i = 0; i < urls.size(); i++) {
            int start = urls.get(i);
            int end = i + 1 < urls.size() ? urls.get(i + 1) : value.length();
            out.append(maskPart(value.substring(start, end)));
        }
        return out.toString();
    }

    private static String maskPart(String part) {
        int authority = part.indexOf("://") + 3;
        int lastAt = part.lastIndexOf('@');
        if (lastAt < authority) {
            return part; // no '@' after the scheme: nothing to hide
        }
        return part.substring(0, authority) + MASK + part.substring(lastAt);
    }
}
