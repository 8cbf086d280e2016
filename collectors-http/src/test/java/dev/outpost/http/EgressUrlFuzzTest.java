package dev.outpost.http;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import okhttp3.HttpUrl;

/**
 * Fuzzes {@link EgressPolicy#checkUrl(String)}. Properties: it throws nothing but
 * {@link EgressDeniedException}; and a URL it allows parses (as the collectors parse it) to a host
 * that is either a plain host name (not numeric, no trailing dot) or a globally reachable address,
 * judged here by an oracle written independently of the policy's table (the JDK's address
 * predicates and the best-known special ranges).
 *
 * <p>The default build replays the seeds in {@code EgressUrlFuzzTestInputs/checkUrl/} (test
 * resources) as ordinary tests. To fuzz for the test's {@code maxDuration}: {@code ./mvnw -pl collectors-http -am verify -Pfuzz
 * -Dtest=EgressUrlFuzzTest -Dsurefire.failIfNoSpecifiedTests=false}; findings are written next to the
 * seeds and become regression tests.
 */
class EgressUrlFuzzTest {
    private static final EgressPolicy POLICY = EgressPolicy.defaults();

    @FuzzTest(maxDuration = "3m")
    void checkUrl(byte[] input) {
        String url = new String(input, StandardCharsets.UTF_8);
        try {
            POLICY.checkUrl(url);
        } catch (EgressDeniedException refused) {
            return;
        }
        HttpUrl parsed = HttpUrl.parse(url);
        if (parsed == null || !(parsed.scheme().equals("http") || parsed.scheme().equals("https"))) {
            throw new AssertionError("allowed a URL that is not http(s): " + url);
        }
        String host = parsed.host();
        if (host.endsWith(".")) {
            throw new AssertionError("allowed a trailing dot: " + url);
        }
        if (host.indexOf(':') < 0 && !host.matches("\\d{1,3}(\\.\\d{1,3}){3}")) {
            String last = host.substring(host.lastIndexOf('.') + 1);
            if (last.matches("[0-9]+|0x[0-9a-fA-F]*")) {
                throw new AssertionError("allowed a numeric host that is not a dotted quad: " + url);
            }
            return; // a name: judged when it resolves
        }
        InetAddress address;
        try {
            address = InetAddress.getByName(host); // a literal: parsed, never looked up
        } catch (UnknownHostException e) {
            throw new AssertionError("allowed an unreadable IP literal: " + url, e);
        }
        String why = nonGlobal(address.getAddress());
        if (why != null) {
            throw new AssertionError("allowed " + why + " " + address.getHostAddress() + " in " + url);
        }
    }

    /** Why an address is not globally reachable, or null. Independent of the policy's table. */
    static String nonGlobal(byte[] a) {
        InetAddress ia;
        try {
            ia = InetAddress.getByAddress(a);
        } catch (UnknownHostException e) {
            return "a malformed address";
        }
        if (ia.isAnyLocalAddress() || ia.isLoopbackAddress() || ia.isLinkLocalAddress() || ia.isSiteLocalAddress()
                || ia.isMulticastAddress()) {
            return "a local or multicast address";
        }
        if (ia instanceof Inet4Address) {
            int b0 = a[0] & 0xff;
            int b1 = a[1] & 0xff;
            int b2 = a[2] & 0xff;
            boolean special = b0 == 0 || b0 >= 240 || (b0 == 100 && (b1 & 0xc0) == 64) || (b0 == 192 && b1 == 0 && (b2 == 0 || b2 == 2))
                    || (b0 == 198 && (b1 & 0xfe) == 18) || (b0 == 198 && b1 == 51 && b2 == 100) || (b0 == 203 && b1 == 0 && b2 == 113)
                    || (b0 == 192 && b1 == 88 && b2 == 99);
            return special ? "a special-purpose IPv4 address" : null;
        }
        int w0 = ((a[0] & 0xff) << 8) | (a[1] & 0xff);
        int w1 = ((a[2] & 0xff) << 8) | (a[3] & 0xff);
        if (w0 == 0x64 && w1 == 0xff9b) {
            return nonGlobal(new byte[] {a[12], a[13], a[14], a[15]});
        }
        if (w0 == 0x2002) {
            return nonGlobal(new byte[] {a[2], a[3], a[4], a[5]});
        }
        if ((a[0] & 0xe0) != 0x20) {
            return "an IPv6 address outside 2000::/3";
        }
        if (w0 == 0x2001 && (w1 == 0 || w1 == 0xdb8 || w1 < 0x200 && w1 != 3 && !(w1 == 4 && a[4] == 1 && a[5] == 0x12))) {
            return "an IPv6 special-purpose address";
        }
        if (w0 == 0x3fff && (w1 & 0xf000) == 0) {
            return "an IPv6 documentation address";
        }
        return null;
    }
}
