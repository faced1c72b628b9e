package io.ctops.agent.certificates;

import io.ctops.agent.text.Utf8;
import io.ctops.protocol.v1.DiscoveredCertificate;
import io.ctops.protocol.v1.PrivateKeyMatch;
import java.security.cert.X509Certificate;
import java.util.Optional;

/**
 * A found certificate as {@code SubmitCertificates} carries it, fitted to what ingest stores, since
 * one certificate ingest refuses would lose the whole scan: text of at most {@link #MAX_TEXT_BYTES}
 * bytes without NUL, at most {@link #MAX_SANS} non-blank names on one line each, a chain position
 * of at most {@link #MAX_CHAIN_POSITION}.
 */
final class Discovered {
  static final String FILE = "file";
  static final String TLS = "tls";

  static final int MAX_TEXT_BYTES = 4096;
  static final int MAX_SANS = 1000;
  static final int MAX_SERIAL_DIGITS = 256;

  /**
   * Positions past this all say this: a file of more than a hundred certificates is a bundle, not a
   * chain, and its order says nothing more.
   */
  static final int MAX_CHAIN_POSITION = 100;

  private Discovered() {}

  /**
   * {@code certificate} found at {@code location}; empty when it cannot be described (a field the
   * JDK cannot read, or an expiry before 1970 that ingest cannot tell from none).
   */
  static Optional<DiscoveredCertificate> of(
      X509Certificate certificate,
      String source,
      String location,
      int chainPosition,
      PrivateKeyMatch privateKey) {
    CertificateFacts facts;
    try {
      facts = CertificateFacts.of(certificate);
    } catch (RuntimeException unreadableField) {
      return Optional.empty();
    }
    long notAfter = facts.notAfter().getEpochSecond();
    if (notAfter <= 0) {
      return Optional.empty();
    }
    DiscoveredCertificate.Builder wire =
        DiscoveredCertificate.newBuilder()
            .setFingerprintSha256(facts.fingerprintSha256())
            .setSubject(text(facts.subject()))
            .setIssuer(text(facts.issuer()))
            .setSerialNumber(
                facts
                    .serialNumber()
                    .substring(0, Math.min(MAX_SERIAL_DIGITS, facts.serialNumber().length())))
            .setNotBeforeUnix(Math.max(0, facts.notBefore().getEpochSecond()))
            .setNotAfterUnix(notAfter)
            .setKeyAlgorithm(text(facts.keyAlgorithm()))
            .setKeySizeBits(facts.keySize())
            .setSignatureAlgorithm(text(facts.signatureAlgorithm()))
            .setIsSelfSigned(facts.isSelfSigned())
            .setSource(source)
            .setLocation(text(location))
            .setChainPosition(Math.min(chainPosition, MAX_CHAIN_POSITION))
            .setPrivateKey(privateKey);
    facts.sans().stream()
        .map(Discovered::text)
        .filter(name -> !name.isBlank() && name.indexOf('\n') < 0 && name.indexOf('\r') < 0)
        .limit(MAX_SANS)
        .forEach(wire::addSans);
    return Optional.of(wire.build());
  }

  /** {@code value} without NUL (PostgreSQL text cannot hold one), cut to what ingest stores. */
  static String text(String value) {
    String clean = value.replace('\0', '\uFFFD');
    if (Utf8.length(clean) <= MAX_TEXT_BYTES) {
      return clean;
    }
    return clean.substring(0, Utf8.prefixEnd(clean, 0, MAX_TEXT_BYTES - 3)) + "…";
  }
}
