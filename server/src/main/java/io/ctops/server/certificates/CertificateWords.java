package io.ctops.server.certificates;

import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.naming.InvalidNameException;
import javax.naming.ldap.LdapName;
import javax.naming.ldap.Rdn;

/**
 * How certificates read on the pages: the common name out of a distinguished name, how long until
 * (or since) expiry, the expiry date, a fingerprint short enough for a table, what a private key
 * check found. Subjects and issuers come from agents and checks as they wrote them (RFC 2253 from
 * ours, OpenSSL's {@code /CN=…/O=…} or {@code CN = …} from others), so each is read leniently and
 * falls back to the text as given.
 */
public final class CertificateWords {
  private static final DateTimeFormatter DATE =
      DateTimeFormatter.ofPattern("yyyy-MM-dd", Locale.ROOT).withZone(ZoneOffset.UTC);
  private static final Pattern LOOSE_CN =
      Pattern.compile("(?:^|[,/+;]\\s*)CN\\s*=\\s*([^,/+;]+)", Pattern.CASE_INSENSITIVE);

  /** Hex digits of a fingerprint a table shows; the whole one is in its title and copied. */
  static final int SHORT_FINGERPRINT = 16;

  private CertificateWords() {}

  /** The name's common name (the last one, the most specific), or the name as given. */
  public static String commonName(String distinguishedName) {
    String name = distinguishedName == null ? "" : distinguishedName.strip();
    if (name.isEmpty()) {
      return "(no name)";
    }
    return rfc2253CommonName(name).or(() -> looseCommonName(name)).orElse(name);
  }

  private static Optional<String> rfc2253CommonName(String name) {
    try {
      // LdapName lists RDNs from the last written to the first: the first CN found is the last
      for (Rdn rdn : new LdapName(name).getRdns()) {
        if (rdn.getType().equalsIgnoreCase("CN") && rdn.getValue() instanceof String value) {
          return Optional.of(value.strip()).filter(v -> !v.isEmpty());
        }
      }
      return Optional.empty();
    } catch (InvalidNameException | IllegalArgumentException e) {
      return Optional.empty();
    }
  }

  private static Optional<String> looseCommonName(String name) {
    Matcher matcher = LOOSE_CN.matcher(name);
    String found = null;
    while (matcher.find()) {
      found = matcher.group(1).strip();
    }
    return Optional.ofNullable(found).filter(v -> !v.isEmpty());
  }

  /**
   * "expires in 12 days", "expires in 5 hours", "expired 3 days ago": whole days as the API's
   * {@code days_left} counts them, hours within the last day.
   */
  public static String expiry(Instant notAfter, Instant now) {
    Duration left = Duration.between(now, notAfter);
    boolean expired = left.isNegative();
    Duration span = left.abs();
    String amount;
    if (span.toDays() >= 1) {
      amount = plural(span.toDays(), "day");
    } else if (span.toHours() >= 1) {
      amount = plural(span.toHours(), "hour");
    } else {
      return expired ? "expired within the hour" : "expires within the hour";
    }
    return expired ? "expired " + amount + " ago" : "expires in " + amount;
  }

  private static String plural(long count, String unit) {
    return count + " " + unit + (count == 1 ? "" : "s");
  }

  /** The day (UTC) a certificate stops being valid. */
  public static String date(Instant instant) {
    return DATE.format(instant);
  }

  /** The first hex digits, enough to tell certificates apart at a glance. */
  public static String shortFingerprint(String fingerprint) {
    return fingerprint.length() <= SHORT_FINGERPRINT
        ? fingerprint
        : fingerprint.substring(0, SHORT_FINGERPRINT) + "…";
  }

  /** The key's algorithm and size: "RSA 2048", "EC 256", "Ed25519", or a dash. */
  public static String key(String algorithm, Optional<Integer> sizeBits) {
    String text = (algorithm + sizeBits.map(b -> " " + b).orElse("")).strip();
    return text.isEmpty() ? "—" : text;
  }

  /** What the agent found of the private key beside a certificate file; empty when not looked. */
  public static String privateKey(Optional<String> found) {
    return found
        .map(
            k ->
                switch (k) {
                  case "matches" -> "matches";
                  case "does_not_match" -> "does not match";
                  case "not_found" -> "not found";
                  case "unreadable" -> "unreadable";
                  default -> k;
                })
        .orElse("");
  }
}
