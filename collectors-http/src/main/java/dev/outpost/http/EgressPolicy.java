package dev.outpost.http;

import dev.outpost.http.internal.Cidr;
import dev.outpost.http.internal.Ip;
import dev.outpost.http.internal.UrlCheck;
import java.net.InetAddress;
import java.util.Arrays;
import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Which destinations the HTTP collectors may reach. Immutable and thread-safe.
 *
 * <p>By default ({@link #defaults()}) only globally reachable unicast addresses over {@code http}
 * and {@code https} are allowed. Refused: every range of the IANA IPv4 and IPv6 special-purpose
 * address registries not marked globally reachable (loopback, private, link-local, carrier-grade NAT,
 * unique-local, documentation, benchmarking, reserved...), multicast, site-local and any IPv6 outside
 * 2000::/3, the cloud metadata addresses ({@code 169.254.169.254}, {@code fd00:ec2::254}); IPv4
 * inside IPv6 (IPv4-mapped, NAT64, 6to4) is judged as that IPv4 address. URLs not written in
 * canonical form ({@code scheme://host}, the host as the HTTP client reads it) are refused. Host names
 * that some resolver would read as an IPv4 literal but that are not a plain dotted quad
 * ({@code 2130706433}, {@code 0177.0.0.1}, {@code 0x7f.1}, {@code 127.1}) and names with a trailing
 * dot are always refused, whatever is allowed: nobody needs them but an attacker.
 *
 * <p>The collectors check the policy on the URL before anything is sent, on every address a name
 * resolves to (before connecting), and on the address each connection actually reached, for every
 * redirect hop. Operators opt in to more with {@link Builder#allowCidr(String)} (an address range
 * allowed whatever host names it) and {@link Builder#allowHost(String)} (a host name allowed whatever
 * it resolves to), in code or with the settings {@value #ALLOW_CIDRS} and {@value #ALLOW_HOSTS}.
 */
public final class EgressPolicy {
    /** Setting: comma-separated CIDR ranges to allow, e.g. {@code 10.0.0.0/8,169.254.169.254/32}. */
    public static final String ALLOW_CIDRS = "allow-cidrs";
    /** Setting: comma-separated host names to allow; {@code *.example.com} allows every subdomain. */
    public static final String ALLOW_HOSTS = "allow-hosts";

    private static final Pattern HOST_PATTERN = Pattern.compile("(\\*\\.)?[a-z0-9_]([a-z0-9_-]*[a-z0-9_])?(\\.[a-z0-9_]([a-z0-9_-]*[a-z0-9_])?)*");
    private static final Pattern LIST_SEPARATOR = Pattern.compile("[,\\s]+");
    private static final EgressPolicy DEFAULTS = new EgressPolicy(Set.of(), Set.of());

    private final Set<Cidr> cidrs;
    private final Set<String> hosts;
    // Policies key the collectors' client cache on every request: hash once.
    private final int hash;

    private EgressPolicy(Set<Cidr> cidrs, Set<String> hosts) {
        this.cidrs = cidrs;
        this.hosts = hosts;
        this.hash = Objects.hash(cidrs, hosts);
    }

    /** The default policy: public addresses over http and https only. */
    public static EgressPolicy defaults() {
        return DEFAULTS;
    }

    /** A builder starting from the default policy. */
    public static Builder builder() {
        return new Builder();
    }

    /** A builder starting from this policy. */
    public Builder toBuilder() {
        Builder b = new Builder();
        b.cidrs.addAll(cidrs);
        b.hosts.addAll(hosts);
        return b;
    }

    /**
     * This policy plus what the settings {@value #ALLOW_CIDRS} and {@value #ALLOW_HOSTS} allow.
     * Settings only ever add allowances; other keys are ignored.
     *
     * @throws IllegalArgumentException naming the setting and the bad entry
     */
    public EgressPolicy withSettings(Map<String, String> settings) {
        Objects.requireNonNull(settings, "settings");
        String cidrText = settings.getOrDefault(ALLOW_CIDRS, "");
        String hostText = settings.getOrDefault(ALLOW_HOSTS, "");
        if (cidrText.isBlank() && hostText.isBlank()) {
            return this;
        }
        Builder b = toBuilder();
        for (String c : split(cidrText)) {
            try {
                b.allowCidr(c);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("setting " + ALLOW_CIDRS + ": " + e.getMessage(), e);
            }
        }
        for (String h : split(hostText)) {
            try {
                b.allowHost(h);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("setting " + ALLOW_HOSTS + ": " + e.getMessage(), e);
            }
        }
        return b.build();
    }

    private static List<String> split(String text) {
        return Arrays.stream(LIST_SEPARATOR.split(text.strip())).filter(s -> !s.isEmpty()).toList();
    }

    /** The allowed address ranges, in CIDR notation. */
    public List<String> allowedCidrs() {
        return cidrs.stream().map(Cidr::toString).toList();
    }

    /** The allowed host names and {@code *.suffix} patterns. */
    public List<String> allowedHosts() {
        return List.copyOf(hosts);
    }

    /** Whether {@code host} (a name, lower case) is allowed whatever it resolves to. */
    public boolean allowsHost(String host) {
        String h = host.toLowerCase(Locale.ROOT);
        for (String allowed : hosts) {
            if (allowed.startsWith("*.") ? h.endsWith(allowed.substring(1)) : h.equals(allowed)) {
                return true;
            }
        }
        return false;
    }

    /**
     * Checks a URL before anything is resolved or sent, as the collectors do: the scheme, that it
     * is written in canonical form ({@code scheme://host...}, the host as an HTTP client reads it:
     * no escapes, no backslashes, no white space, internationalised names in {@code xn--} form), the
     * host's form, and the address when the host is an IP literal. Host names are judged again on
     * every address they resolve to; this check cannot do that.
     *
     * @throws EgressDeniedException when refused, including when {@code url} is not an absolute
     *     http(s) URL; never anything else
     */
    public void checkUrl(String url) {
        Objects.requireNonNull(url, "url");
        try {
            UrlCheck.parse(this, url);
        } catch (UrlCheck.NotAUrl e) {
            throw new EgressDeniedException("(none)", null, "not a valid absolute http or https URL");
        }
    }

    /**
     * Checks an address that {@code host} resolved to or that a connection reached.
     *
     * @throws EgressDeniedException when refused
     */
    public void checkAddress(String host, InetAddress address) {
        Objects.requireNonNull(host, "host");
        Objects.requireNonNull(address, "address");
        if (allowsHost(host)) {
            return;
        }
        checkBytes(host, address.getAddress());
    }

    private void checkBytes(String host, byte[] address) {
        Optional<String> why = Ip.forbidden(address);
        if (why.isEmpty()) {
            return;
        }
        for (Cidr c : cidrs) {
            if (c.contains(address)) {
                return;
            }
        }
        throw new EgressDeniedException(host, Ip.text(Ip.byAddress(address)), why.get());
    }

    @Override
    public boolean equals(Object o) {
        return o == this || o instanceof EgressPolicy p && p.hash == hash && p.cidrs.equals(cidrs) && p.hosts.equals(hosts);
    }

    @Override
    public int hashCode() {
        return hash;
    }

    @Override
    public String toString() {
        return "EgressPolicy[allowCidrs=" + allowedCidrs() + ", allowHosts=" + hosts + "]";
    }

    /** Builds an {@link EgressPolicy}. Not thread-safe. */
    public static final class Builder {
        private final Set<Cidr> cidrs = new LinkedHashSet<>();
        private final Set<String> hosts = new LinkedHashSet<>();

        private Builder() {}

        /**
         * Allows an address range whatever host names it, e.g. {@code 10.0.0.0/8},
         * {@code 169.254.169.254/32}, {@code fd00:ec2::254/128}; a bare address means just it.
         *
         * @throws IllegalArgumentException when it is not a CIDR range
         */
        public Builder allowCidr(String cidr) {
            cidrs.add(Cidr.parse(Objects.requireNonNull(cidr, "cidr")));
            return this;
        }

        /** Allows each of these ranges; see {@link #allowCidr(String)}. */
        public Builder allowCidrs(Collection<String> cidrs) {
            Objects.requireNonNull(cidrs, "cidrs").forEach(this::allowCidr);
            return this;
        }

        /**
         * Allows a host name whatever it resolves to, e.g. {@code metadata.google.internal};
         * {@code *.corp.example} allows every subdomain of {@code corp.example} (not itself).
         * IP addresses go in {@link #allowCidr(String)}.
         *
         * @throws IllegalArgumentException when it is not a host name
         */
        public Builder allowHost(String host) {
            String h = Objects.requireNonNull(host, "host").strip().toLowerCase(Locale.ROOT);
            if (!HOST_PATTERN.matcher(h).matches() || Ip.looksNumeric(h)) {
                throw new IllegalArgumentException("'" + host + "' is not a host name (letters, digits, '-', dots; "
                        + "'*.' prefix for subdomains); allow IP addresses with allowCidr");
            }
            hosts.add(h);
            return this;
        }

        /** Allows each of these hosts; see {@link #allowHost(String)}. */
        public Builder allowHosts(Collection<String> hosts) {
            Objects.requireNonNull(hosts, "hosts").forEach(this::allowHost);
            return this;
        }

        /** Builds the policy. */
        public EgressPolicy build() {
            return new EgressPolicy(Collections.unmodifiableSet(new LinkedHashSet<>(cidrs)),
                    Collections.unmodifiableSet(new LinkedHashSet<>(hosts)));
        }
    }
}
