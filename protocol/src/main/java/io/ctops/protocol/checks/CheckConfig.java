package io.ctops.protocol.checks;

import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.OptionalLong;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * A check's parameters ({@code CheckDefinition.config_json}), read and validated: one reading
 * shared by the server (which refuses a bad definition with 400) and the agent (which answers one
 * with an {@code error} result naming the problem). Type names and keys are those agents in the
 * field run; ours adds optional keys and the {@code service} and {@code file} types.
 *
 * <p>The server reads strictly (an unknown key is a mistake, most often a typo); the agent
 * leniently (a newer server may send optional keys it does not know).
 */
public sealed interface CheckConfig {
  /** How long one run may take; every type reads {@code timeout_seconds}. */
  Duration timeout();

  /** A TCP connection to {@code host:port} succeeds within the timeout. */
  record Port(String host, int port, Duration timeout) implements CheckConfig {}

  /**
   * Between {@code minCount} and {@code maxCount} processes are named {@code processName} (or, with
   * {@code matchCommandLine}, have it in their command line).
   */
  record Process(
      String processName,
      int minCount,
      OptionalInt maxCount,
      boolean matchCommandLine,
      Duration timeout)
      implements CheckConfig {}

  /** A GET of {@code url} answers {@code expectedStatus} (and, if asked, a body that matches). */
  record Http(
      URI url,
      int expectedStatus,
      Optional<String> bodyContains,
      Optional<Pattern> bodyRegex,
      boolean followRedirects,
      boolean verifyTls,
      Duration timeout)
      implements CheckConfig {}

  /** The certificate chain served at {@code host:port} (SNI {@code serverName}, else the host). */
  record Certificate(String host, int port, Optional<String> serverName, Duration timeout)
      implements CheckConfig {}

  /** The certificate in a file: PEM, PKCS#12 or a Java key store. */
  record CertFile(
      String filePath,
      String format,
      Optional<String> password,
      Optional<String> alias,
      Duration timeout)
      implements CheckConfig {}

  /** A systemd unit is active. */
  record Service(String unit, Duration timeout) implements CheckConfig {}

  /**
   * A file exists (or, with {@code mustExist} false, does not), was modified within the last {@code
   * modifiedWithinMinutes}, and is at most {@code maxBytes} long.
   */
  record File(
      String path,
      boolean mustExist,
      OptionalInt modifiedWithinMinutes,
      OptionalLong maxBytes,
      Duration timeout)
      implements CheckConfig {}

  /**
   * The host's accounts: those with a uid from {@code minHumanUid} to {@code maxHumanUid} are
   * people's ({@code account_type} "human" with a login shell, "service" without), the others the
   * system's. The check passes whenever any source could be read; the output lists the accounts.
   * The original agent (run against our server to see) always passes, writes times as Unix seconds
   * in strings and reads a 0 for either uid as "not given" (its defaults, 1000 and 60000, are
   * ours); this reading takes 0 as the uid 0.
   */
  record ServiceAccount(long minHumanUid, long maxHumanUid, Duration timeout)
      implements CheckConfig {}

  /**
   * The SSH public keys that open accounts: every user's {@code ~/.ssh/authorized_keys} (and {@code
   * authorized_keys2}) and the files under {@code scanPaths}, except those under {@code skipPaths}.
   * Passes whenever the scan could run; the output lists the keys. The original agent reads only
   * files named in {@code scan_paths} (a directory there gives nothing, a missing path is no error)
   * and no {@code authorized_keys2}.
   */
  record SshKeyScan(List<String> scanPaths, List<String> skipPaths, Duration timeout)
      implements CheckConfig {}

  /** Every type this release runs, as definitions name them. */
  List<String> TYPES =
      List.of(
          "port",
          "process",
          "http",
          "certificate",
          "cert_file",
          "service",
          "file",
          "service_account",
          "ssh_key_scan");

  /** The uids of people's accounts by default: the range useradd gives them on Linux. */
  long DEFAULT_MIN_HUMAN_UID = 1000;

  long DEFAULT_MAX_HUMAN_UID = 60000;

  /** The most paths an ssh_key_scan names in each of its lists. */
  int MAX_SCAN_PATHS = 64;

  /** The shortest and longest interval between runs. */
  int MIN_INTERVAL_SECONDS = 10;

  int MAX_INTERVAL_SECONDS = 24 * 3600;

  /** The default and longest time one run may take. */
  int DEFAULT_TIMEOUT_SECONDS = 10;

  int MAX_TIMEOUT_SECONDS = 300;

  /**
   * Reads a definition's parameters; every mistake is an {@link InvalidCheckException} saying what
   * is wrong. {@code config} is the parsed {@code config_json} (strings, numbers, booleans, lists
   * and maps).
   */
  static CheckConfig read(String type, Map<String, ?> config, boolean strict) {
    Reader in = new Reader(type, config);
    CheckConfig read =
        switch (type) {
          case "port" -> new Port(in.host("host", true), in.port("port", null), in.timeout());
          case "process" -> process(in);
          case "http" -> http(in);
          case "certificate" ->
              new Certificate(
                  in.host("host", false),
                  in.port("port", 443),
                  in.optionalText("server_name", 253),
                  in.timeout());
          case "cert_file" -> certFile(in);
          case "service" -> service(in);
          case "file" -> file(in);
          case "service_account" -> serviceAccount(in);
          case "ssh_key_scan" ->
              new SshKeyScan(
                  in.paths("scan_paths", MAX_SCAN_PATHS),
                  in.paths("skip_paths", MAX_SCAN_PATHS),
                  in.timeout());
          default ->
              throw new InvalidCheckException(
                  type.isEmpty()
                      ? "a check needs a type: one of " + String.join(", ", TYPES)
                      : "unknown check type \"" + type + "\": one of " + String.join(", ", TYPES));
        };
    if (strict) {
      in.noOtherKeys();
    }
    return read;
  }

  /** Checks an interval and that one run fits in it. */
  static void checkInterval(int intervalSeconds, CheckConfig config) {
    if (intervalSeconds < MIN_INTERVAL_SECONDS || intervalSeconds > MAX_INTERVAL_SECONDS) {
      throw new InvalidCheckException(
          "the interval is between "
              + MIN_INTERVAL_SECONDS
              + " seconds and 24 hours ("
              + MAX_INTERVAL_SECONDS
              + " seconds)");
    }
    if (config.timeout().toSeconds() > intervalSeconds) {
      throw new InvalidCheckException("timeout_seconds cannot be longer than the interval");
    }
  }

  private static Process process(Reader in) {
    String name = in.requiredText("process_name", 4096);
    int min = in.integer("min_count", 1, 0, 1_000_000);
    OptionalInt max = in.optionalInteger("max_count", 0, 1_000_000);
    if (max.isPresent() && max.getAsInt() < min) {
      throw new InvalidCheckException("max_count cannot be below min_count");
    }
    return new Process(name, min, max, in.bool("match_command_line", false), in.timeout());
  }

  private static Http http(Reader in) {
    String text = in.requiredText("url", 2048);
    URI url;
    try {
      url = new URI(text);
    } catch (URISyntaxException e) {
      throw new InvalidCheckException("url is not a valid address: " + e.getReason());
    }
    String scheme = url.getScheme() == null ? "" : url.getScheme().toLowerCase(Locale.ROOT);
    if (!scheme.equals("http") && !scheme.equals("https") || url.getHost() == null) {
      throw new InvalidCheckException("url is an http:// or https:// address with a host");
    }
    int status = in.integer("expected_status", 200, 100, 599);
    Optional<String> contains = in.optionalText("body_contains", 4096);
    Optional<Pattern> regex =
        in.optionalText("body_regex", 4096)
            .map(
                source -> {
                  try {
                    return Pattern.compile(source);
                  } catch (PatternSyntaxException e) {
                    throw new InvalidCheckException(
                        "body_regex is not a valid regular expression: " + e.getDescription());
                  }
                });
    return new Http(
        url,
        status,
        contains,
        regex,
        in.bool("follow_redirects", false),
        in.bool("verify_tls", true),
        in.timeout());
  }

  private static CertFile certFile(Reader in) {
    String path = in.path("file_path");
    String format = in.optionalText("format", 10).orElse("pem").toLowerCase(Locale.ROOT);
    if (!Set.of("pem", "pkcs12", "jks").contains(format)) {
      throw new InvalidCheckException("format is one of pem, pkcs12, jks");
    }
    return new CertFile(
        path,
        format,
        in.optionalText("password", 1024),
        in.optionalText("alias", 1024),
        in.timeout());
  }

  private static Service service(Reader in) {
    String unit = in.requiredText("unit", 256);
    if (!unit.matches("[A-Za-z0-9:_.@\\\\-]+")) {
      throw new InvalidCheckException(
          "unit is a systemd unit name (letters, digits and : _ . @ \\ -), e.g. nginx.service");
    }
    return new Service(unit, in.timeout());
  }

  private static File file(Reader in) {
    String path = in.path("path");
    boolean mustExist = in.bool("must_exist", true);
    OptionalInt within = in.optionalInteger("modified_within_minutes", 1, 525_600);
    OptionalLong maxBytes = in.optionalLong("max_bytes", 0, Long.MAX_VALUE);
    if (!mustExist && (within.isPresent() || maxBytes.isPresent())) {
      throw new InvalidCheckException(
          "modified_within_minutes and max_bytes apply only to a file that must exist");
    }
    return new File(path, mustExist, within, maxBytes, in.timeout());
  }

  private static ServiceAccount serviceAccount(Reader in) {
    // a uid is an unsigned 32-bit number; (uid_t) -1 means "no uid" and is never an account's
    long largest = 0xFFFF_FFFFL;
    long min = in.optionalLong("min_human_uid", 0, largest).orElse(DEFAULT_MIN_HUMAN_UID);
    long max = in.optionalLong("max_human_uid", 0, largest).orElse(DEFAULT_MAX_HUMAN_UID);
    if (min > max) {
      throw new InvalidCheckException("min_human_uid cannot be above max_human_uid");
    }
    return new ServiceAccount(min, max, in.timeout());
  }

  /** What is wrong with a check, in words for the operator. */
  final class InvalidCheckException extends IllegalArgumentException {
    public InvalidCheckException(String message) {
      super(message);
    }
  }
}
