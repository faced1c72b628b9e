package io.ctops.agent.config;

import io.ctops.agent.config.AgentConfig.InvalidConfigException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The {@code [certificates]} block: whether the agent looks for certificates on its host, where
 * (files under {@code paths}, TLS services on {@code tls_ports} or every listening TCP port), how
 * often, and within which bounds.
 *
 * @param tlsPorts empty: every TCP port the host listens on
 * @param serverName the name sent as SNI; empty: the host's name
 */
public record CertificateSettings(
    boolean enabled,
    List<Path> paths,
    boolean skipTrustBundles,
    List<Integer> tlsPorts,
    Optional<String> serverName,
    Duration scanEvery,
    int maxFileBytes,
    int maxCertificates) {

  /** Where certificates usually live on Linux hosts and the servers that use them. */
  public static final List<Path> DEFAULT_PATHS =
      List.of(
          Path.of("/etc/ssl"),
          Path.of("/etc/pki"),
          Path.of("/etc/letsencrypt/live"),
          Path.of("/etc/nginx"),
          Path.of("/etc/apache2"),
          Path.of("/etc/haproxy"),
          Path.of("/usr/local/etc"));

  /** Rescans more often would probe every TLS service on the host for little news. */
  static final Duration MIN_SCAN_EVERY = Duration.ofMinutes(10);

  static final Duration MAX_SCAN_EVERY = Duration.ofDays(30);

  /**
   * Each file is read whole into the agent's small heap (32 MiB with the bundle's options), so the
   * largest allowed stays well below it.
   */
  static final int MAX_FILE_BYTES = 4 * 1024 * 1024;

  static final int MIN_FILE_BYTES = 1024;

  /** What ingest accepts in one scan ({@code SubmitCertificates}). */
  public static final int MAX_CERTIFICATES = 5_000;

  /** Discovery on, the default paths, trust bundles skipped, every 6 hours, 1 MiB, 5,000. */
  public static final CertificateSettings DEFAULT =
      new CertificateSettings(
          true,
          DEFAULT_PATHS,
          true,
          List.of(),
          Optional.empty(),
          Duration.ofHours(6),
          1024 * 1024,
          MAX_CERTIFICATES);

  /** Discovery off (an agent embedded in tests or benchmarks). */
  public static final CertificateSettings DISABLED =
      new CertificateSettings(
          false,
          List.of(),
          true,
          List.of(),
          Optional.empty(),
          DEFAULT.scanEvery(),
          DEFAULT.maxFileBytes(),
          MAX_CERTIFICATES);

  public CertificateSettings {
    paths = List.copyOf(paths);
    tlsPorts = List.copyOf(tlsPorts);
  }

  static final List<String> KEYS =
      List.of(
          "enabled",
          "paths",
          "skip_trust_bundles",
          "tls_ports",
          "server_name",
          "scan_every",
          "max_file_bytes",
          "max_certificates");

  private static final Pattern DURATION_PART = Pattern.compile("(\\d{1,6})([smhd])");

  // RFC 1123 host names: what an SNI extension may carry (RFC 6066 allows no address there).
  private static final Pattern HOST_NAME =
      Pattern.compile(
          "(?=.{1,253}$)[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
              + "(\\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*");
  private static final Pattern DOTTED_NUMBERS = Pattern.compile("[0-9.]+");

  /** The {@code [certificates]} table of {@code file}, each value checked. */
  static CertificateSettings read(Path file, Map<String, Object> table) {
    Boolean enabled = AgentConfig.bool(file, "certificates", table, "enabled");
    Boolean skipTrustBundles = AgentConfig.bool(file, "certificates", table, "skip_trust_bundles");
    String serverName = AgentConfig.string(file, "certificates", table, "server_name");
    String scanEvery = AgentConfig.string(file, "certificates", table, "scan_every");
    return new CertificateSettings(
        enabled == null ? DEFAULT.enabled() : enabled,
        table.containsKey("paths") ? paths(file, table.get("paths")) : DEFAULT.paths(),
        skipTrustBundles == null ? DEFAULT.skipTrustBundles() : skipTrustBundles,
        table.containsKey("tls_ports") ? ports(file, table.get("tls_ports")) : List.of(),
        serverName(file, serverName),
        scanEvery == null ? DEFAULT.scanEvery() : scanEvery(file, scanEvery),
        number(
            file, table, "max_file_bytes", DEFAULT.maxFileBytes(), MIN_FILE_BYTES, MAX_FILE_BYTES),
        number(file, table, "max_certificates", DEFAULT.maxCertificates(), 1, MAX_CERTIFICATES));
  }

  private static List<Path> paths(Path file, Object value) {
    List<Path> paths = new ArrayList<>();
    for (Object entry : list(file, "paths", value, "absolute paths in quotes")) {
      if (!(entry instanceof String text) || !text.startsWith("/") || text.indexOf('\0') >= 0) {
        throw invalid(
            file, "paths", "must list absolute paths in quotes, got " + AgentConfig.shown(entry));
      }
      paths.add(Path.of(text).normalize());
    }
    return List.copyOf(new LinkedHashSet<>(paths));
  }

  private static List<Integer> ports(Path file, Object value) {
    Set<Integer> ports = new LinkedHashSet<>();
    for (Object entry : list(file, "tls_ports", value, "port numbers")) {
      if (!(entry instanceof Long port) || port < 1 || port > 65535) {
        throw invalid(
            file,
            "tls_ports",
            "must list port numbers from 1 to 65535, got " + AgentConfig.shown(entry));
      }
      ports.add(port.intValue());
    }
    return List.copyOf(ports);
  }

  private static List<?> list(Path file, String key, Object value, String what) {
    if (!(value instanceof List<?> entries)) {
      throw invalid(
          file, key, "must be a list of " + what + " [ … ], got " + AgentConfig.shown(value));
    }
    return entries;
  }

  private static Optional<String> serverName(Path file, String value) {
    if (value == null || value.isBlank()) {
      return Optional.empty();
    }
    String name = value.strip();
    if (!HOST_NAME.matcher(name).matches() || DOTTED_NUMBERS.matcher(name).matches()) {
      throw invalid(
          file,
          "server_name",
          "must be a host name such as \"www.example.com\" (an IP address cannot be sent as"
              + " SNI), got "
              + AgentConfig.shown(value));
    }
    return Optional.of(name);
  }

  /** {@code "6h"}, {@code "90m"}, {@code "1h30m"}, {@code "1d"}: units s, m, h, d. */
  private static Duration scanEvery(Path file, String value) {
    String text = value.strip();
    Matcher parts = DURATION_PART.matcher(text);
    Duration total = Duration.ZERO;
    int end = 0;
    while (parts.find() && parts.start() == end) {
      long amount = Long.parseLong(parts.group(1));
      total =
          total.plus(
              switch (parts.group(2)) {
                case "s" -> Duration.ofSeconds(amount);
                case "m" -> Duration.ofMinutes(amount);
                case "h" -> Duration.ofHours(amount);
                default -> Duration.ofDays(amount);
              });
      end = parts.end();
    }
    if (text.isEmpty() || end != text.length()) {
      throw invalid(
          file,
          "scan_every",
          "must be a duration such as \"6h\", \"90m\" or \"1h30m\", got "
              + AgentConfig.shown(value));
    }
    if (total.compareTo(MIN_SCAN_EVERY) < 0 || total.compareTo(MAX_SCAN_EVERY) > 0) {
      throw invalid(
          file, "scan_every", "must be between 10m and 30d, got " + AgentConfig.shown(value));
    }
    return total;
  }

  private static int number(
      Path file, Map<String, Object> table, String key, int fallback, int min, int max) {
    Object value = table.get(key);
    if (value == null) {
      return fallback;
    }
    if (!(value instanceof Long number) || number < min || number > max) {
      throw invalid(
          file,
          key,
          "must be a whole number from "
              + min
              + " to "
              + max
              + ", got "
              + AgentConfig.shown(value));
    }
    return number.intValue();
  }

  private static InvalidConfigException invalid(Path file, String key, String message) {
    return new InvalidConfigException(file + ": [certificates] " + key + " " + message);
  }
}
