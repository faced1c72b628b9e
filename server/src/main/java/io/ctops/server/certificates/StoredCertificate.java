package io.ctops.server.certificates;

import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/**
 * A certificate at one place on a host, as stored: where it was found ({@code source} file, tls or
 * check; {@code location} a path or host:port), what it is, and, for files, whether the private key
 * next to it matches.
 */
public record StoredCertificate(
    String source,
    String location,
    String fingerprint,
    int chainPosition,
    String subject,
    String issuer,
    List<String> sans,
    String serialNumber,
    Optional<Instant> notBefore,
    Instant notAfter,
    String keyAlgorithm,
    Optional<Integer> keySizeBits,
    String signatureAlgorithm,
    boolean selfSigned,
    Optional<String> privateKey,
    Optional<UUID> checkId) {}
