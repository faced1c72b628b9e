package io.ctops.agent.config;

import io.ctops.agent.host.HostTools;
import io.ctops.agent.text.Toml;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The agent's configuration: a TOML file ({@code agent.toml}) with environment overrides ({@code
 * CT_OPS_INGEST_ADDRESS}, {@code CT_OPS_INGEST_CA_CERT}, {@code CT_OPS_ORG_TOKEN}, {@code
 * CT_OPS_DATA_DIR}, and {@code CT_OPS_TERMINAL_ENABLED}, {@code CT_OPS_TERMINAL_USER}, {@code
 * CT_OPS_TERMINAL_ALLOW_ROOT} for {@code [terminal]}). Checked once at start; every problem is one
 * line naming the key. From the environment too: {@code PATH}, where the agent finds the host's
 * programs (systemctl, setsid), and {@code CT_OPS_AGENT_HOME}, the bundle's install dir, which its
 * launcher sets, and {@code LANG}, which terminals inherit. {@code [certificates]} (discovery of
 * the host's certificates) is read by {@link CertificateSettings}, from the file only.
 *
 * <p>The original CT-Ops agent's file works too: its tags are strings ({@code tags = ["env:prod"]}
 * in {@code [agent]} or at the top), beside our {@code [[tags]]} tables, and its {@code [ingest]
 * tls_skip_verify = false} is accepted (true is refused: give the server's certificate instead).
 */
public record AgentConfig(
    String ingestHost,
    int ingestPort,
    Optional<Path> caCertFile,
    String orgToken,
    Path dataDir,
    Duration heartbeatInterval,
    Duration registrationPoll,
    Duration duplicateRetry,
    int bufferHours,
    Map<String, String> tags,
    boolean hostActionsEnabled,
    List<Path> executablePath,
    Optional<Path> installDir,
    Terminal terminal,
    CertificateSettings certificates) {

  /**
   * The {@code [terminal]} block: whether operators may open a shell on this host, as which user
   * (empty: the agent's own), and whether that may be root. {@code lang} is the agent's own {@code
   * LANG}, handed on to the shell.
   */
  public record Terminal(
      boolean enabled, Optional<String> user, boolean allowRoot, Optional<String> lang) {
    /** Terminals on, as the agent's own user, root refused. */
    public static final Terminal DEFAULT =
        new Terminal(true, Optional.empty(), false, Optional.empty());
  }

  /**
   * A configuration with host actions enabled, the standard search path, no bundle install dir and
   * the default terminal and certificate discovery settings (an agent run inside another process:
   * quickstart, tests).
   */
  public AgentConfig(
      String ingestHost,
      int ingestPort,
      Optional<Path> caCertFile,
      String orgToken,
      Path dataDir,
      Duration heartbeatInterval,
      Duration registrationPoll,
      Duration duplicateRetry,
      int bufferHours,
      Map<String, String> tags) {
    this(
        ingestHost,
        ingestPort,
        caCertFile,
        orgToken,
        dataDir,
        heartbeatInterval,
        registrationPoll,
        duplicateRetry,
        bufferHours,
        tags,
        true,
        HostTools.DEFAULT_PATH,
        Optional.empty(),
        Terminal.DEFAULT,
        CertificateSettings.DEFAULT);
  }

  /** This configuration with other terminal settings. */
  public AgentConfig withTerminal(Terminal settings) {
    return new AgentConfig(
        ingestHost,
        ingestPort,
        caCertFile,
        orgToken,
        dataDir,
        heartbeatInterval,
        registrationPoll,
        duplicateRetry,
        bufferHours,
        tags,
        hostActionsEnabled,
        executablePath,
        installDir,
        settings,
        certificates);
  }

  /** This configuration with other certificate discovery settings. */
  public AgentConfig withCertificates(CertificateSettings settings) {
    return new AgentConfig(
        ingestHost,
        ingestPort,
        caCertFile,
        orgToken,
        dataDir,
        heartbeatInterval,
        registrationPoll,
        duplicateRetry,
        bufferHours,
        tags,
        hostActionsEnabled,
        executablePath,
        installDir,
        terminal,
        settings);
  }

  /** A configuration problem, as one line. */
  public static final class InvalidConfigException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public InvalidConfigException(String message) {
      super(message);
    }
  }

  record File(
      Ingest ingest,
      Agent agent,
      List<TagEntry> tags,
      Actions actions,
      TerminalEntry terminal,
      CertificateSettings certificates) {}

  record Actions(Boolean enabled) {}

  record TerminalEntry(Boolean enabled, String user, Boolean allowRoot) {}

  record Ingest(String address, String caCertFile, Boolean tlsSkipVerify) {}

  record Agent(
      String orgToken,
      String dataDir,
      Integer heartbeatIntervalSecs,
      Integer registrationPollSecs,
      Integer duplicateRetrySecs,
      Integer bufferHours,
      List<TagEntry> tags) {}

  record TagEntry(String key, String value) {}

  public static AgentConfig load(Optional<Path> file, Map<String, String> env) {
    File parsed = file.map(AgentConfig::read).orElse(new File(null, null, null, null, null, null));
    Ingest ingest = parsed.ingest() == null ? new Ingest(null, null, null) : parsed.ingest();
    Agent agent =
        parsed.agent() == null
            ? new Agent(null, null, null, null, null, null, null)
            : parsed.agent();
    if (Boolean.TRUE.equals(ingest.tlsSkipVerify())) {
      throw new InvalidConfigException(
          "[ingest] tls_skip_verify = true is not supported: this agent always verifies the"
              + " server; set ca_cert_file to the server's certificate (or CT_OPS_INGEST_CA_CERT)");
    }
    String address = override(env, "CT_OPS_INGEST_ADDRESS", ingest.address());
    if (address == null || address.isBlank()) {
      throw new InvalidConfigException(
          "[ingest] address is missing: set it to host:port of the ingest service"
              + " (or CT_OPS_INGEST_ADDRESS)");
    }
    int colon = address.lastIndexOf(':');
    int port;
    try {
      port = colon < 0 ? 9443 : Integer.parseInt(address.substring(colon + 1));
    } catch (NumberFormatException e) {
      throw new InvalidConfigException("[ingest] address '" + address + "' has no valid port");
    }
    if (port < 1 || port > 65535) {
      throw new InvalidConfigException("[ingest] address '" + address + "' has no valid port");
    }
    String host = colon < 0 ? address : address.substring(0, colon);
    Optional<Path> ca =
        Optional.ofNullable(override(env, "CT_OPS_INGEST_CA_CERT", ingest.caCertFile()))
            .filter(value -> !value.isBlank())
            .map(Path::of);
    if (ca.isPresent() && !Files.isReadable(ca.get())) {
      throw new InvalidConfigException(
          "[ingest] ca_cert_file " + ca.get() + " cannot be read (or set CT_OPS_INGEST_CA_CERT)");
    }
    String token = override(env, "CT_OPS_ORG_TOKEN", agent.orgToken());
    if (token == null || token.isBlank()) {
      throw new InvalidConfigException(
          "[agent] org_token is missing: set the enrolment token (or CT_OPS_ORG_TOKEN)");
    }
    String dataDir = override(env, "CT_OPS_DATA_DIR", agent.dataDir());
    Map<String, String> tags = new LinkedHashMap<>();
    List<TagEntry> entries = new ArrayList<>();
    if (parsed.tags() != null) {
      entries.addAll(parsed.tags());
    }
    if (agent.tags() != null) {
      entries.addAll(agent.tags());
    }
    for (TagEntry tag : entries) {
      if (tag.key() == null || tag.key().isBlank()) {
        throw new InvalidConfigException("[[tags]] entries need a key");
      }
      tags.put(tag.key(), tag.value() == null ? "" : tag.value());
    }
    return new AgentConfig(
        host,
        port,
        ca,
        token.strip(),
        Path.of(dataDir == null ? "/var/lib/ct-ops/agent" : dataDir).toAbsolutePath(),
        seconds("heartbeat_interval_secs", agent.heartbeatIntervalSecs(), 30),
        seconds("registration_poll_secs", agent.registrationPollSecs(), 30),
        seconds("duplicate_retry_secs", agent.duplicateRetrySecs(), 300),
        positive("buffer_hours", agent.bufferHours(), 24),
        tags,
        parsed.actions() == null || !Boolean.FALSE.equals(parsed.actions().enabled()),
        searchPath(env.get("PATH")),
        Optional.ofNullable(env.get("CT_OPS_AGENT_HOME"))
            .filter(value -> !value.isBlank())
            .map(value -> Path.of(value).toAbsolutePath().normalize()),
        terminal(parsed.terminal(), env),
        parsed.certificates() == null ? CertificateSettings.DEFAULT : parsed.certificates());
  }

  /** {@code [terminal]}, each key overridden by its {@code CT_OPS_TERMINAL_*} variable. */
  private static Terminal terminal(TerminalEntry entry, Map<String, String> env) {
    TerminalEntry file = entry == null ? new TerminalEntry(null, null, null) : entry;
    boolean enabled =
        flag(env, "CT_OPS_TERMINAL_ENABLED", "enabled", file.enabled(), Terminal.DEFAULT.enabled());
    boolean allowRoot =
        flag(
            env,
            "CT_OPS_TERMINAL_ALLOW_ROOT",
            "allow_root",
            file.allowRoot(),
            Terminal.DEFAULT.allowRoot());
    Optional<String> user =
        Optional.ofNullable(override(env, "CT_OPS_TERMINAL_USER", file.user()))
            .map(String::strip)
            .filter(value -> !value.isEmpty());
    if (user.isPresent() && !user.get().matches("[A-Za-z0-9._][A-Za-z0-9._-]*\\$?")) {
      throw new InvalidConfigException(
          "[terminal] user '" + user.get() + "' is not a user name (or CT_OPS_TERMINAL_USER)");
    }
    Optional<String> lang = Optional.ofNullable(env.get("LANG")).filter(value -> !value.isBlank());
    return new Terminal(enabled, user, allowRoot, lang);
  }

  private static boolean flag(
      Map<String, String> env, String variable, String key, Boolean fromFile, boolean fallback) {
    String value = env.get(variable);
    if (value == null || value.isBlank()) {
      return fromFile == null ? fallback : fromFile;
    }
    return switch (value.strip()) {
      case "true" -> true;
      case "false" -> false;
      default ->
          throw new InvalidConfigException(
              variable
                  + " (for [terminal] "
                  + key
                  + ") must be true or false, got '"
                  + value
                  + "'");
    };
  }

  /** {@code PATH}'s absolute entries (a relative one would depend on the working directory). */
  private static List<Path> searchPath(String path) {
    if (path == null || path.isBlank()) {
      return HostTools.DEFAULT_PATH;
    }
    List<Path> dirs = new ArrayList<>();
    for (String entry : path.split(":")) {
      if (entry.startsWith("/")) {
        dirs.add(Path.of(entry));
      }
    }
    return dirs.isEmpty() ? HostTools.DEFAULT_PATH : List.copyOf(dirs);
  }

  private static final List<String> TABLES =
      List.of("ingest", "agent", "tags", "actions", "terminal", "certificates");
  private static final List<String> INGEST_KEYS =
      List.of("address", "ca_cert_file", "tls_skip_verify");
  private static final List<String> AGENT_KEYS =
      List.of(
          "org_token",
          "data_dir",
          "heartbeat_interval_secs",
          "registration_poll_secs",
          "duplicate_retry_secs",
          "buffer_hours",
          "tags");
  private static final List<String> TAG_KEYS = List.of("key", "value");
  private static final List<String> ACTIONS_KEYS = List.of("enabled");
  private static final List<String> TERMINAL_KEYS = List.of("enabled", "user", "allow_root");

  private static File read(Path path) {
    if (!Files.isReadable(path)) {
      throw new InvalidConfigException("config file " + path + " cannot be read");
    }
    Map<String, Object> document;
    try {
      document = Toml.parse(Files.readString(path));
    } catch (IOException e) {
      throw new InvalidConfigException(
          "config file " + path + " cannot be read: " + e.getMessage());
    } catch (Toml.SyntaxException e) {
      throw new InvalidConfigException(path + ": not valid TOML (" + e.getMessage() + ")");
    }
    for (String name : document.keySet()) {
      if (!TABLES.contains(name)) {
        throw new InvalidConfigException(path + ": unknown key '" + name + "'; known: " + TABLES);
      }
    }
    Map<String, Object> ingest = table(path, document, "ingest", INGEST_KEYS);
    Map<String, Object> agent = table(path, document, "agent", AGENT_KEYS);
    Map<String, Object> actions = table(path, document, "actions", ACTIONS_KEYS);
    Map<String, Object> terminal = table(path, document, "terminal", TERMINAL_KEYS);
    Map<String, Object> certificates =
        table(path, document, "certificates", CertificateSettings.KEYS);
    List<TagEntry> tags = tags(path, "tags", document.get("tags"));
    return new File(
        ingest == null
            ? null
            : new Ingest(
                string(path, "ingest", ingest, "address"),
                string(path, "ingest", ingest, "ca_cert_file"),
                bool(path, "ingest", ingest, "tls_skip_verify")),
        agent == null
            ? null
            : new Agent(
                string(path, "agent", agent, "org_token"),
                string(path, "agent", agent, "data_dir"),
                integer(path, agent, "heartbeat_interval_secs"),
                integer(path, agent, "registration_poll_secs"),
                integer(path, agent, "duplicate_retry_secs"),
                integer(path, agent, "buffer_hours"),
                tags(path, "agent.tags", agent.get("tags"))),
        tags,
        actions == null ? null : new Actions(bool(path, "actions", actions, "enabled")),
        terminal == null
            ? null
            : new TerminalEntry(
                bool(path, "terminal", terminal, "enabled"),
                string(path, "terminal", terminal, "user"),
                bool(path, "terminal", terminal, "allow_root")),
        certificates == null ? null : CertificateSettings.read(path, certificates));
  }

  /**
   * Tags as {@code [[tags]]} tables ({@code key}, {@code value}) or as strings {@code "key:value"}
   * (the original agent's form; {@code "key=value"} and a bare {@code "key"} too).
   */
  private static List<TagEntry> tags(Path path, String where, Object value) {
    if (value == null) {
      return null;
    }
    if (!(value instanceof List<?> entries)) {
      throw new InvalidConfigException(
          path
              + ": "
              + where
              + " must be [[tags]] blocks or a list of \"key:value\" strings, got "
              + shown(value));
    }
    List<TagEntry> tags = new ArrayList<>();
    for (Object entry : entries) {
      if (entry instanceof String text) {
        tags.add(tagOf(path, where, text));
      } else if (entry instanceof Map<?, ?>) {
        @SuppressWarnings("unchecked")
        Map<String, Object> tag = (Map<String, Object>) entry;
        checkKeys(path, "tags", tag, TAG_KEYS);
        tags.add(
            new TagEntry(string(path, "tags", tag, "key"), string(path, "tags", tag, "value")));
      } else {
        throw new InvalidConfigException(
            path + ": " + where + " entries must be \"key:value\" strings, got " + shown(entry));
      }
    }
    return tags;
  }

  private static TagEntry tagOf(Path path, String where, String text) {
    int colon = text.indexOf(':');
    int equals = text.indexOf('=');
    int split = colon < 0 ? equals : equals < 0 ? colon : Math.min(colon, equals);
    String key = (split < 0 ? text : text.substring(0, split)).strip();
    if (key.isEmpty()) {
      throw new InvalidConfigException(
          path + ": " + where + " entry " + shown(text) + " has no key; write \"key:value\"");
    }
    return new TagEntry(key, split < 0 ? "" : text.substring(split + 1).strip());
  }

  static Boolean bool(Path path, String table, Map<String, Object> values, String key) {
    Object value = values.get(key);
    if (value != null && !(value instanceof Boolean)) {
      throw new InvalidConfigException(
          path + ": [" + table + "] " + key + " must be true or false, got " + shown(value));
    }
    return (Boolean) value;
  }

  private static Map<String, Object> table(
      Path path, Map<String, Object> document, String name, List<String> known) {
    Object value = document.get(name);
    if (value == null) {
      return null;
    }
    if (!(value instanceof Map<?, ?>)) {
      throw new InvalidConfigException(path + ": '" + name + "' must be a [" + name + "] table");
    }
    @SuppressWarnings("unchecked")
    Map<String, Object> table = (Map<String, Object>) value;
    checkKeys(path, name, table, known);
    return table;
  }

  private static void checkKeys(
      Path path, String table, Map<String, Object> values, List<String> known) {
    for (String key : values.keySet()) {
      if (!known.contains(key)) {
        throw new InvalidConfigException(
            path + ": unknown key '" + key + "' (at " + table + "." + key + "); known: " + known);
      }
    }
  }

  static String string(Path path, String table, Map<String, Object> values, String key) {
    Object value = values.get(key);
    if (value != null && !(value instanceof String)) {
      throw new InvalidConfigException(
          path + ": [" + table + "] " + key + " must be a string in quotes, got " + shown(value));
    }
    return (String) value;
  }

  /** A value as it was written: strings in quotes. */
  static String shown(Object value) {
    return value instanceof String text ? "\"" + text + "\"" : String.valueOf(value);
  }

  private static Integer integer(Path path, Map<String, Object> values, String key) {
    Object value = values.get(key);
    if (value == null) {
      return null;
    }
    if (!(value instanceof Long number)
        || number < Integer.MIN_VALUE
        || number > Integer.MAX_VALUE) {
      throw new InvalidConfigException(
          path + ": [agent] " + key + " must be a whole number, got " + shown(value));
    }
    return number.intValue();
  }

  private static String override(Map<String, String> env, String variable, String fromFile) {
    String value = env.get(variable);
    return value != null && !value.isBlank() ? value : fromFile;
  }

  private static Duration seconds(String key, Integer value, int fallback) {
    return Duration.ofSeconds(positive(key, value, fallback));
  }

  private static int positive(String key, Integer value, int fallback) {
    if (value == null) {
      return fallback;
    }
    if (value < 1) {
      throw new InvalidConfigException("[agent] " + key + " must be at least 1, got " + value);
    }
    return value;
  }

  /** How many samples the on-disk buffer keeps: {@code buffer_hours} at the heartbeat interval. */
  public int bufferCapacity() {
    return (int)
        Math.max(10, Duration.ofHours(bufferHours).toSeconds() / heartbeatInterval.toSeconds());
  }
}
