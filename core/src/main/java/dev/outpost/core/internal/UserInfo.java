package dev.outpost.core.internal;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Masks the user-info of URLs in a configuration value ({@code scheme://user:secret@host/…} →
 * {@code scheme://****@host/…}), also when the secret holds {@code /} or {@code @} unencoded
 * (which a pattern stopping at the first {@code /} or {@code @} shows in part). Each URL-like
 * token is parsed with {@link URI}; when it does not parse as a URL with plain user-info, or an
 * {@code @} appears anywhere after the scheme, everything from the scheme up to the last
 * {@code @} of the token is masked: a path with an {@code @} is masked too, which errs on the
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
        Matcher m = TOKEN.matcher(value);
        StringBuilder out = new StringBuilder();
        while (m.find()) {
            m.appendReplacement(out, Matcher.quoteReplacement(maskToken(m.group())));
        }
        m.appendTail(out);
        return out.toString();
    }

    private static String maskToken(String token) {
        int scheme = token.indexOf("://");
        if (scheme < 0) {
            return token;
        }
        int authority = scheme + 3;
        int lastAt = token.lastIndexOf('@');
        if (lastAt < authority) {
            return token; // no '@' after the scheme: nothing to hide
        }
        try {
            URI uri = new URI(token);
            String info = uri.getRawUserInfo();
            if (info != null && uri.getHost() != null && authority + info.length() == lastAt) {
                return token.substring(0, authority) + MASK + token.substring(lastAt); // a plain URL with user-info
            }
        } catch (URISyntaxException e) {
            // not a plain URL: an unencoded '/' or '@' in the secret, a jdbc: prefix…
        }
        // an '@' after the scheme that URI does not read as the end of the user-info: fail closed
        return token.substring(0, authority) + MASK + token.substring(lastAt);
    }
}
