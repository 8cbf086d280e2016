package dev.outpost.http;

import java.util.Objects;
import java.util.Optional;

/**
 * The TLS session of an HTTPS response.
 *
 * @param protocol the TLS version, e.g. {@code TLSv1.3}
 * @param cipherSuite the negotiated cipher suite
 * @param peerCertificate the server's own certificate (the first of its chain)
 */
public record TlsInfo(String protocol, String cipherSuite, Optional<CertificateInfo> peerCertificate) {
    /** Validates the components. */
    public TlsInfo {
        Objects.requireNonNull(protocol, "protocol");
        Objects.requireNonNull(cipherSuite, "cipherSuite");
        Objects.requireNonNull(peerCertificate, "peerCertificate");
    }
}
