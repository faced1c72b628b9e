package io.ctops.server.groups;

import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * A dynamic group's rule: every condition given must hold (tags all present, the OS, a hostname
 * pattern with {@code *}, an address inside a CIDR, a status). Which hosts match is decided in SQL
 * by {@code host_matches_rule} (V13__groups.sql); this record checks what an operator typed.
 */
public record GroupRule(
    List<Tag> tags,
    Optional<String> os,
    Optional<String> hostnamePattern,
    Optional<String> cidr,
    Optional<String> status) {

  public static final GroupRule NONE =
      new GroupRule(
          List.of(), Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty());

  public static final Set<String> STATUSES =
      Set.of("online", "offline", "unknown", "pending", "revoked");

  /** Hostname characters and the wildcard: a pattern is never a regular expression. */
  private static final Pattern HOSTNAME_PATTERN = Pattern.compile("[A-Za-z0-9.*_-]{1,253}");

  private static final Pattern IPV4_CIDR =
      Pattern.compile("(\\d{1,3})\\.(\\d{1,3})\\.(\\d{1,3})\\.(\\d{1,3})(/(\\d{1,2}))?");
  private static final Pattern IPV6_CIDR = Pattern.compile("[0-9A-Fa-f:.]{2,45}(/(\\d{1,3}))?");

  public GroupRule {
    tags = List.copyOf(tags);
    hostnamePattern.ifPresent(GroupRule::checkHostnamePattern);
    cidr.ifPresent(GroupRule::checkCidr);
    status.ifPresent(
        s -> {
          if (!STATUSES.contains(s)) {
            throw new InvalidRuleException(
                "status must be one of online, offline, unknown, pending, revoked");
          }
        });
    os.ifPresent(
        o -> {
          if (o.isBlank() || o.length() > 200) {
            throw new InvalidRuleException("os must be 1 to 200 characters");
          }
        });
  }

  public boolean isEmpty() {
    return tags.isEmpty()
        && os.isEmpty()
        && hostnamePattern.isEmpty()
        && cidr.isEmpty()
        && status.isEmpty();
  }

  public String[] tagTerms() {
    return tags.stream().map(Tag::term).distinct().toArray(String[]::new);
  }

  /** The pattern as a lower-cased LIKE pattern: LIKE's own characters escaped, {@code *} → %. */
  public Optional<String> hostnameLike() {
    return hostnamePattern.map(
        p ->
            p.toLowerCase(Locale.ROOT)
                .replace("\\", "\\\\")
                .replace("%", "\\%")
                .replace("_", "\\_")
                .replace('*', '%'));
  }

  private static void checkHostnamePattern(String pattern) {
    if (!HOSTNAME_PATTERN.matcher(pattern).matches()) {
      throw new InvalidRuleException(
          "hostname pattern may hold letters, digits, '.', '-', '_' and '*' (any run of"
              + " characters), 1 to 253 of them: "
              + shown(pattern));
    }
  }

  /** Syntax only; PostgreSQL's cidr type has the last word when the rule is stored. */
  private static void checkCidr(String cidr) {
    var v4 = IPV4_CIDR.matcher(cidr);
    if (v4.matches()) {
      for (int i = 1; i <= 4; i++) {
        if (Integer.parseInt(v4.group(i)) > 255) {
          throw invalidCidr(cidr);
        }
      }
      if (v4.group(6) != null && Integer.parseInt(v4.group(6)) > 32) {
        throw invalidCidr(cidr);
      }
      return;
    }
    var v6 = IPV6_CIDR.matcher(cidr);
    if (!cidr.contains(":") || !v6.matches()) {
      throw invalidCidr(cidr);
    }
    if (v6.group(2) != null && Integer.parseInt(v6.group(2)) > 128) {
      throw invalidCidr(cidr);
    }
  }

  static InvalidRuleException invalidCidr(String cidr) {
    return new InvalidRuleException(
        "not an IP network in CIDR notation (like 10.0.0.0/8 or fd00::/8): " + shown(cidr));
  }

  private static String shown(String text) {
    return text.length() > 60 ? text.substring(0, 60) + "…" : text;
  }

  /** What was wrong with a rule, in words for the operator. */
  public static final class InvalidRuleException extends IllegalArgumentException {
    public InvalidRuleException(String message) {
      super(message);
    }
  }
}
