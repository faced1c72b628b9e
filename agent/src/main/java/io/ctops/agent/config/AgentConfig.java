package io.ctops.agent.config;

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
 * CT_OPS_DATA_DIR}). Checked once at start; every problem is one line naming the key.
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
    Map<String, String> tags) {

  /** A configuration problem, as one line. */
  public static final class InvalidConfigException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public InvalidConfigException(String message) {
      super(message);
    }
  }

  record File(Ingest ingest, Agent agent, List<TagEntry> tags) {}

  record Ingest(String address, String caCertFile) {}

  record Agent(
      String orgToken,
      String dataDir,
      Integer heartbeatIntervalSecs,
      Integer registrationPollSecs,
      Integer duplicateRetrySecs,
      Integer bufferHours) {}

  record TagEntry(String key, String value) {}

  public static AgentConfig load(Optional<Path> file, Map<String, String> env) {
    File parsed = file.map(AgentConfig::read).orElse(new File(null, null, null));
    Ingest ingest = parsed.ingest() == null ? new Ingest(null, null) : parsed.ingest();
    Agent agent =
        parsed.agent() == null ? new Agent(null, null, null, null, null, null) : parsed.agent();
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
    if (parsed.tags() != null) {
      for (TagEntry tag : parsed.tags()) {
        if (tag.key() == null || tag.key().isBlank()) {
          throw new InvalidConfigException("[[tags]] entries need a key");
        }
        tags.put(tag.key(), tag.value() == null ? "" : tag.value());
      }
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
        tags);
  }

  private static final List<String> TABLES = List.of("ingest", "agent", "tags");
  private static final List<String> INGEST_KEYS = List.of("address", "ca_cert_file");
  private static final List<String> AGENT_KEYS =
      List.of(
          "org_token",
          "data_dir",
          "heartbeat_interval_secs",
          "registration_poll_secs",
          "duplicate_retry_secs",
          "buffer_hours");
  private static final List<String> TAG_KEYS = List.of("key", "value");

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
    List<TagEntry> tags = null;
    Object tagTables = document.get("tags");
    if (tagTables != null) {
      if (!(tagTables instanceof List<?> entries)) {
        throw new InvalidConfigException(path + ": tags must be [[tags]] blocks");
      }
      tags = new ArrayList<>();
      for (Object entry : entries) {
        @SuppressWarnings("unchecked")
        Map<String, Object> tag = (Map<String, Object>) entry;
        checkKeys(path, "tags", tag, TAG_KEYS);
        tags.add(
            new TagEntry(string(path, "tags", tag, "key"), string(path, "tags", tag, "value")));
      }
    }
    return new File(
        ingest == null
            ? null
            : new Ingest(
                string(path, "ingest", ingest, "address"),
                string(path, "ingest", ingest, "ca_cert_file")),
        agent == null
            ? null
            : new Agent(
                string(path, "agent", agent, "org_token"),
                string(path, "agent", agent, "data_dir"),
                integer(path, agent, "heartbeat_interval_secs"),
                integer(path, agent, "registration_poll_secs"),
                integer(path, agent, "duplicate_retry_secs"),
                integer(path, agent, "buffer_hours")),
        tags);
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

  private static String string(Path path, String table, Map<String, Object> values, String key) {
    Object value = values.get(key);
    if (value != null && !(value instanceof String)) {
      throw new InvalidConfigException(
          path + ": [" + table + "] " + key + " must be a string in quotes, got " + shown(value));
    }
    return (String) value;
  }

  /** A value as it was written: strings in quotes. */
  private static String shown(Object value) {
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
