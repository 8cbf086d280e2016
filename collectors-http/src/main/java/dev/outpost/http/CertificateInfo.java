package dev.outpost.http;

import java.time.Instant;
import java.util.List;
import java.util.Objects;

/**
 * What a server's certificate says about it.
 *
 * @param subject the subject's distinguished name (RFC 2253)
 * @param issuer the issuer's distinguished name (RFC 2253)
 * @param serialNumber the serial number in hexadecimal
 * @param notBefore the start of its validity
 * @param notAfter the end of its validity
 * @param subjectAltNames the DNS names and IP addresses it is valid for
 * @param sha256 the SHA-256 fingerprint of the encoded certificate, hexadecimal
 */
public record CertificateInfo(
        String subject,
        String issuer,
        String serialNumber,
        Instant notBefore,
        Instant notAfter,
        List<String> subjectAltNames,
        String sha256) {
    /** Validates and copies the components. */
    public CertificateInfo {
        Objects.requireNonNull(subject, "subject");
        Objects.requireNonNull(issuer, "issuer");
        Objects.requireNonNull(serialNumber, "serialNumber");
        Objects.requireNonNull(notBefore, "notBefore");
        Objects.requireNonNull(notAfter, "notAfter");
        subjectAltNames = List.copyOf(subjectAltNames);
        Objects.requireNonNull(sha256, "sha256");
    }
}
