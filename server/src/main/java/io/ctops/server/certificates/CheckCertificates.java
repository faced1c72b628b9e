package io.ctops.server.certificates;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.UUID;
import java.util.regex.Pattern;

/**
 * Reads the certificates a {@code certificate} or {@code cert_file} check's result carries: its
 * output is JSON with the certificate's fields (subject, issuer, sans, serial_number, not_before,
 * not_after, fingerprint_sha256, key_algorithm, key_size, signature_algorithm, is_self_signed) and
 * the rest of its chain under {@code chain}, as agents in the field write it. Read leniently (times
 * as RFC 3339 or Unix seconds, fingerprints with colons or upper case); an output that is not such
 * JSON (a failed connection's reason) carries no certificate.
 */
public final class CheckCertificates {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Pattern FINGERPRINT = Pattern.compile("[0-9a-f]{64}");

  /** The check types whose results carry certificates. */
  public static boolean readsCertificates(String checkType) {
    return checkType.equals("certificate") || checkType.equals("cert_file");
  }

  /** Where a check looks, as the Certificates tab shows it: host:port or the file's path. */
  public static String location(String checkType, JsonNode config) {
    if (checkType.equals("cert_file")) {
      return config.path("file_path").asText("");
    }
    return config.path("host").asText("") + ":" + config.path("port").asInt(443);
  }

  /** The certificates in a result's output; none when it holds none. */
  public static List<StoredCertificate> read(String output, String location, UUID checkId) {
    JsonNode json;
    try {
      json = JSON.readTree(output);
    } catch (JsonProcessingException e) {
      return List.of();
    }
    if (json == null || !json.isObject() || location.isBlank()) {
      return List.of();
    }
    List<StoredCertificate> read = new ArrayList<>();
    one(json, 0, location, checkId).ifPresent(read::add);
    JsonNode chain = json.path("chain");
    for (int i = 0; chain.isArray() && i < chain.size() && i < 20; i++) {
      one(chain.get(i), i + 1, location, checkId).ifPresent(read::add);
    }
    return read;
  }

  private static Optional<StoredCertificate> one(
      JsonNode c, int position, String location, UUID checkId) {
    String fingerprint =
        c.path("fingerprint_sha256").asText("").replace(":", "").toLowerCase(Locale.ROOT);
    Optional<Instant> notAfter = time(c.path("not_after"));
    if (!FINGERPRINT.matcher(fingerprint).matches() || notAfter.isEmpty()) {
      return Optional.empty();
    }
    List<String> sans = new ArrayList<>();
    for (JsonNode san : c.path("sans")) {
      String text = san.asText("");
      if (!text.isBlank()
          && text.length() <= 1024
          && text.indexOf('\n') < 0
          && sans.size() < 1000) {
        sans.add(text);
      }
    }
    int keySize = c.path("key_size").asInt(0);
    return Optional.of(
        new StoredCertificate(
            "check",
            cut(location),
            fingerprint,
            position,
            cut(c.path("subject").asText("")),
            cut(c.path("issuer").asText("")),
            sans,
            c.path("serial_number").asText("").replace(":", "").toLowerCase(Locale.ROOT),
            time(c.path("not_before")),
            notAfter.get(),
            cut(c.path("key_algorithm").asText("")),
            keySize > 0 && keySize <= 65_536 ? Optional.of(keySize) : Optional.empty(),
            cut(c.path("signature_algorithm").asText("")),
            c.path("is_self_signed").asBoolean(false),
            Optional.empty(),
            Optional.of(checkId)));
  }

  private static Optional<Instant> time(JsonNode value) {
    if (value.isIntegralNumber() && value.asLong() > 0) {
      return Optional.of(Instant.ofEpochSecond(value.asLong()));
    }
    try {
      return Optional.of(OffsetDateTime.parse(value.asText("")).toInstant());
    } catch (DateTimeParseException e) {
      return Optional.empty();
    }
  }

  private static String cut(String text) {
    return text.length() > 1024 ? text.substring(0, 1024) : text;
  }
}
