package io.ctops.server.certificates;

import static io.ctops.server.platform.database.UnnestArrays.column;
import static io.ctops.server.platform.database.UnnestArrays.seconds;

import io.ctops.server.platform.database.UnnestArrays;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.jdbi.v3.core.Handle;

/**
 * Writes a host's certificates: a discovery scan replaces every certificate the previous scan found
 * (files and TLS services) in one transaction, and a certificate check's result replaces what that
 * check read before. Rows go in with one {@code INSERT ... SELECT FROM unnest(...)}.
 */
public final class HostCertificates {
  private HostCertificates() {}

  /** What a discovery scan counted, for the host's Certificates tab. */
  public record ScanCounts(
      int filesScanned,
      int filesSkipped,
      int servicesProbed,
      int servicesWithCertificates,
      boolean truncated) {}

  /** Replaces the certificates the host's previous discovery scan found. */
  public static void replaceDiscovered(
      Handle handle,
      UUID hostId,
      UUID scanId,
      List<StoredCertificate> found,
      ScanCounts counts,
      Instant now) {
    handle.execute(
        "DELETE FROM host_certificates WHERE host_id = ? AND source IN ('file', 'tls')", hostId);
    insert(handle, hostId, found, now);
    handle
        .createUpdate(
            """
            INSERT INTO certificate_scans (host_id, scan_id, completed_at, certificates,
                files_scanned, files_skipped, services_probed, services_with_certificates,
                truncated)
            VALUES (:host, :scan, :now, :certificates, :filesScanned, :filesSkipped,
                    :servicesProbed, :servicesWith, :truncated)
            ON CONFLICT (host_id) DO UPDATE SET scan_id = EXCLUDED.scan_id,
                completed_at = EXCLUDED.completed_at, certificates = EXCLUDED.certificates,
                files_scanned = EXCLUDED.files_scanned, files_skipped = EXCLUDED.files_skipped,
                services_probed = EXCLUDED.services_probed,
                services_with_certificates = EXCLUDED.services_with_certificates,
                truncated = EXCLUDED.truncated
            """)
        .bind("host", hostId)
        .bind("scan", scanId)
        .bind("now", now.atOffset(java.time.ZoneOffset.UTC))
        .bind("certificates", found.size())
        .bind("filesScanned", counts.filesScanned())
        .bind("filesSkipped", counts.filesSkipped())
        .bind("servicesProbed", counts.servicesProbed())
        .bind("servicesWith", counts.servicesWithCertificates())
        .bind("truncated", counts.truncated())
        .execute();
  }

  /** Replaces what one check read on the host (its latest result's certificates). */
  public static void replaceFromCheck(
      Handle handle, UUID hostId, UUID checkId, List<StoredCertificate> read, Instant now) {
    handle.execute(
        "DELETE FROM host_certificates WHERE host_id = ? AND check_id = ?", hostId, checkId);
    insert(handle, hostId, read, now);
  }

  private static void insert(
      Handle handle, UUID hostId, List<StoredCertificate> rows, Instant now) {
    if (rows.isEmpty()) {
      return;
    }
    // one row per place: the same certificate twice at one place would make the insert update
    // its own row
    Map<String, StoredCertificate> unique = new LinkedHashMap<>();
    rows.forEach(
        c -> unique.putIfAbsent(c.source() + "\n" + c.location() + "\n" + c.fingerprint(), c));
    insertUnique(handle, hostId, List.copyOf(unique.values()), now);
  }

  private static void insertUnique(
      Handle handle, UUID hostId, List<StoredCertificate> rows, Instant now) {
    handle
        .createUpdate(
            """
            INSERT INTO host_certificates (host_id, source, location, fingerprint,
                chain_position, subject, issuer, sans, serial_number, not_before, not_after,
                key_algorithm, key_size_bits, signature_algorithm, is_self_signed, private_key,
                check_id, seen_at)
            SELECT :host, u.source, u.location, u.fingerprint, u.position, u.subject, u.issuer,
                   CASE WHEN u.sans = '' THEN '{}' ELSE string_to_array(u.sans, E'\\n') END,
                   u.serial, to_timestamp(u.not_before), to_timestamp(u.not_after),
                   u.key_algorithm, u.key_size, u.signature_algorithm, u.self_signed,
                   u.private_key, u.check_id, to_timestamp(:now)
              FROM unnest(CAST(:source AS text[]), CAST(:location AS text[]),
                          CAST(:fingerprint AS text[]), CAST(:position AS int[]),
                          CAST(:subject AS text[]), CAST(:issuer AS text[]),
                          CAST(:sans AS text[]), CAST(:serial AS text[]),
                          CAST(:notBefore AS float8[]), CAST(:notAfter AS float8[]),
                          CAST(:keyAlgorithm AS text[]), CAST(:keySize AS int[]),
                          CAST(:signatureAlgorithm AS text[]), CAST(:selfSigned AS boolean[]),
                          CAST(:privateKey AS text[]), CAST(:checkId AS uuid[]))
                   AS u(source, location, fingerprint, position, subject, issuer, sans, serial,
                        not_before, not_after, key_algorithm, key_size, signature_algorithm,
                        self_signed, private_key, check_id)
            ON CONFLICT (host_id, source, location, fingerprint) DO UPDATE
               SET chain_position = EXCLUDED.chain_position, seen_at = EXCLUDED.seen_at,
                   check_id = EXCLUDED.check_id, private_key = EXCLUDED.private_key
            """)
        .bind("host", hostId)
        .bind("now", seconds(now))
        .bindArray("source", String.class, column(rows, StoredCertificate::source))
        .bindArray("location", String.class, column(rows, StoredCertificate::location))
        .bindArray("fingerprint", String.class, column(rows, StoredCertificate::fingerprint))
        .bindArray("position", Integer.class, column(rows, StoredCertificate::chainPosition))
        .bindArray("subject", String.class, column(rows, StoredCertificate::subject))
        .bindArray("issuer", String.class, column(rows, StoredCertificate::issuer))
        .bindArray("sans", String.class, column(rows, c -> String.join("\n", c.sans())))
        .bindArray("serial", String.class, column(rows, StoredCertificate::serialNumber))
        .bindArray(
            "notBefore",
            Double.class,
            column(rows, c -> c.notBefore().map(UnnestArrays::seconds).orElse(null)))
        .bindArray("notAfter", Double.class, column(rows, c -> seconds(c.notAfter())))
        .bindArray("keyAlgorithm", String.class, column(rows, StoredCertificate::keyAlgorithm))
        .bindArray("keySize", Integer.class, column(rows, c -> c.keySizeBits().orElse(null)))
        .bindArray(
            "signatureAlgorithm", String.class, column(rows, StoredCertificate::signatureAlgorithm))
        .bindArray("selfSigned", Boolean.class, column(rows, StoredCertificate::selfSigned))
        .bindArray("privateKey", String.class, column(rows, c -> c.privateKey().orElse(null)))
        .bindArray("checkId", UUID.class, column(rows, c -> c.checkId().orElse(null)))
        .execute();
  }
}
