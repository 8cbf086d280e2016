package dev.outpost.host.internal;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * Masks the values of secret-looking options in a command line: {@code --password=x},
 * {@code -Daws.secretAccessKey=x}, {@code --token x} (even when x starts with {@code -}),
 * {@code API_KEY=x}, headers ({@code Authorization: Bearer x}, {@code X-Api-Key: x}), and the
 * password of a URL ({@code https://user:pass@host}). An option name is secret-looking when, lower-cased and
 * without {@code - _ .}, it contains password, passwd, pwd, secret, token, credential, auth,
 * apikey, accesskey, privatekey, or ends with key. Errs on the side of masking.
 */
public final class SecretArguments {
    /** What a masked value becomes. */
    public static final String MASK = "****";
    private static final Pattern HEADER_NAME = Pattern.compile("[A-Za-z0-9!#$%&'*+.^_`|~-]+");
    /** The user info runs to the last '@' of the authority (a password may hold one), which ends at '/', '?' or '#'. */
    private static final Pattern URL_PASSWORD = Pattern.compile("(://[^/?#:@\\s]*:)[^/?#\\s]*@");
    private static final String[] WORDS = {"password", "passwd", "pwd", "secret", "token", "credential", "auth", "apikey",
        "accesskey", "privatekey", "passphrase", "signature", "cookie", "session"};

    private SecretArguments() {}

    /** A copy of {@code args} with secret values replaced by {@value #MASK}. */
    public static List<String> mask(List<String> args) {
        List<String> out = new ArrayList<>(args.size());
        boolean maskNext = false;
        for (String a : args) {
            if (maskNext) {
                out.add(MASK); // even one that starts with '-': a secret may, and erring means masking
                maskNext = false;
                continue;
            }
            int eq = a.indexOf('=');
            int colon = a.indexOf(':');
            if (colon > 0 && (eq < 0 || colon < eq) && HEADER_NAME.matcher(a.substring(0, colon)).matches()
                    && secret(a.substring(0, colon))) {
                out.add(a.substring(0, colon) + ": " + MASK); // a header: "Authorization: Bearer …", "X-Api-Key: …"
                continue;
            }
            if (eq > 0) {
                String name = a.substring(0, eq);
                if (secret(name)) {
                    out.add(name + "=" + MASK);
                    continue;
                }
            } else if (a.startsWith("-") && secret(a)) {
                maskNext = true; // "--password VALUE": the value is the next argument
            }
            out.add(URL_PASSWORD.matcher(a).replaceAll("$1" + MASK + "@"));
        }
        return out;
    }

    static boolean secret(String optionName) {
        String n = optionName.toLowerCase(Locale.ROOT).replace("-", "").replace("_", "").replace(".", "");
        if (n.startsWith("d") && optionName.startsWith("-D")) {
            n = n.substring(1); // -Dfoo.key=...: the property name
        }
        if (n.endsWith("key") || n.endsWith("keyid")) {
            return true;
        }
        for (String w : WORDS) {
            if (n.contains(w)) {
                return true;
            }
        }
        return false;
    }
}
