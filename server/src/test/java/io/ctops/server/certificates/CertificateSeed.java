package io.ctops.server.certificates;

import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import org.jdbi.v3.core.Jdbi;

/**
 * A certificate row at one place on a host, written straight into the database as discovery or a
 * check would leave it: {@code aCertificate('a').on(host).file("/etc/ssl/x.pem").expiresIn(…)}. The
 * fill character makes its fingerprint (64 of it), so a test names certificates by a letter.
 */
final class CertificateSeed {
  private final String fingerprint;
  private UUID host;
  private String source = "file";
  private String location = "/etc/ssl/certs/server.pem";
  private int chainPosition;
  private String subject = "CN=server.example.test,O=Example";
  private String issuer = "CN=Example CA,O=Example";
  private List<String> sans = List.of();
  private Duration left = Duration.ofDays(200);
  private String privateKey;
  private UUID check;
  private boolean selfSigned;

  private CertificateSeed(char fill) {
    this.fingerprint = String.valueOf(fill).repeat(64);
  }

  static CertificateSeed aCertificate(char fill) {
    return new CertificateSeed(fill);
  }

  CertificateSeed on(UUID value) {
    host = value;
    return this;
  }

  CertificateSeed file(String path) {
    source = "file";
    location = path;
    return this;
  }

  CertificateSeed tls(String hostAndPort) {
    source = "tls";
    location = hostAndPort;
    return this;
  }

  /** Read by a certificate or cert_file check at this place. */
  CertificateSeed byCheck(UUID value, String place) {
    source = "check";
    location = place;
    check = value;
    return this;
  }

  CertificateSeed chainPosition(int value) {
    chainPosition = value;
    return this;
  }

  CertificateSeed subject(String value) {
    subject = value;
    return this;
  }

  CertificateSeed issuer(String value) {
    issuer = value;
    return this;
  }

  CertificateSeed sans(String... values) {
    sans = List.of(values);
    return this;
  }

  /** Negative: expired that long ago. */
  CertificateSeed expiresIn(Duration value) {
    left = value;
    return this;
  }

  CertificateSeed privateKey(String value) {
    privateKey = value;
    return this;
  }

  CertificateSeed selfSigned() {
    selfSigned = true;
    return this;
  }

  String fingerprint() {
    return fingerprint;
  }

  CertificateSeed insert(Jdbi jdbi) {
    jdbi.useHandle(
        h ->
            h.createUpdate(
                    """
                    INSERT INTO host_certificates (host_id, source, location, fingerprint,
                        chain_position, subject, issuer, sans, serial_number, not_before, not_after,
                        key_algorithm, key_size_bits, signature_algorithm, is_self_signed,
                        private_key, check_id, seen_at)
                    VALUES (:host, :source, :location, :fingerprint, :position, :subject, :issuer,
                        :sans, '0a1b', now() - interval '300 days', :notAfter, 'RSA', 2048,
                        'SHA256withRSA', :selfSigned, :privateKey, :check, now())
                    """)
                .bind("host", host)
                .bind("source", source)
                .bind("location", location)
                .bind("fingerprint", fingerprint)
                .bind("position", chainPosition)
                .bind("subject", subject)
                .bind("issuer", issuer)
                .bindArray("sans", String.class, sans)
                .bind("notAfter", Timestamp.from(Instant.now().plus(left)))
                .bind("selfSigned", selfSigned)
                .bind("privateKey", privateKey)
                .bindByType("check", check, UUID.class)
                .execute());
    return this;
  }

  /** The host's last discovery scan, finished {@code ago}, with what it counted. */
  static void scan(
      Jdbi jdbi, UUID host, Duration ago, int certificates, int files, int skipped, int services) {
    jdbi.useHandle(
        h ->
            h.createUpdate(
                    """
                    INSERT INTO certificate_scans (host_id, scan_id, completed_at, certificates,
                        files_scanned, files_skipped, services_probed, services_with_certificates,
                        truncated)
                    VALUES (:host, :scan, :at, :certificates, :files, :skipped, :services, 0, false)
                    """)
                .bind("host", host)
                .bind("scan", UUID.randomUUID())
                .bind("at", Timestamp.from(Instant.now().minus(ago)))
                .bind("certificates", certificates)
                .bind("files", files)
                .bind("skipped", skipped)
                .bind("services", services)
                .execute());
  }
}
