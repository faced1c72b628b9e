package io.ctops.server.checks;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.ctops.protocol.checks.CheckConfig;
import io.ctops.server.auth.Principal;
import io.ctops.server.groups.HostSelector;
import io.ctops.server.groups.SelectorForm;
import io.ctops.server.web.HttpProblem;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.jdbi.v3.core.Jdbi;

/**
 * The check form: each type's parameters as typed fields, read into a check's config and through
 * {@link CheckSpec} (the one place a check is validated; the form only turns text into JSON), and a
 * saved check written back into fields. A type's fields are named {@code type.key} so that the
 * values of the types not chosen (hidden, still sent) never mix with the chosen one's. Empty fields
 * and flags left at their default are left out of the config.
 */
public final class CheckForm {
  /** How a parameter is typed on the form. */
  public enum Input {
    /** Text, surrounding blanks dropped. */
    TEXT,
    /** Text kept exactly as typed (what a body must contain or match). */
    EXACT,
    NUMBER,
    /** A checkbox; written to the config only when it differs from the default. */
    FLAG,
    /** Never shown back; left empty on edit keeps the stored one. */
    SECRET,
    /** One of {@link Field#choices()}. */
    CHOICE,
    /** Absolute paths separated by commas or new lines, written to the config as a JSON list. */
    PATHS
  }

  /** One parameter of a type, as the form shows it. */
  public record Field(
      String type,
      String key,
      Input input,
      String label,
      String placeholder,
      boolean checkedByDefault,
      List<String> choices) {
    /** The form field's name. */
    public String name() {
      return type + "." + key;
    }

    public String id() {
      return ("check-" + type + "-" + key).replace('_', '-');
    }
  }

  /** A check type with its fields, in the order the form shows them. */
  public record Type(String name, String label, List<Field> fields) {}

  /** Every type agents of this release run, with their parameters (protocol's CheckConfig). */
  public static final List<Type> TYPES =
      List.of(
          new Type(
              "port",
              "TCP port accepts connections",
              List.of(
                  text("port", "host", "Host", "127.0.0.1 (the host itself)"),
                  number("port", "port", "Port", "e.g. 22"))),
          new Type(
              "process",
              "Process is running",
              List.of(
                  text("process", "process_name", "Process name", "nginx"),
                  number("process", "min_count", "At least (processes)", "1"),
                  number("process", "max_count", "At most (processes)", "no limit"),
                  flag(
                      "process",
                      "match_command_line",
                      "Match anywhere in the command line",
                      false))),
          new Type(
              "http",
              "HTTP(S) address answers",
              List.of(
                  text("http", "url", "URL (GET)", "https://example.com/health"),
                  number("http", "expected_status", "Expected status", "200"),
                  field("http", "body_contains", Input.EXACT, "Body contains", ""),
                  field("http", "body_regex", Input.EXACT, "Body matches (regular expression)", ""),
                  flag("http", "follow_redirects", "Follow redirects", false),
                  flag("http", "verify_tls", "Verify the TLS certificate", true))),
          new Type(
              "certificate",
              "TLS certificate served",
              List.of(
                  text("certificate", "host", "Host", "example.com"),
                  number("certificate", "port", "Port", "443"),
                  text("certificate", "server_name", "Server name (SNI)", "the host"))),
          new Type(
              "cert_file",
              "Certificate file",
              List.of(
                  text("cert_file", "file_path", "File", "/etc/ssl/certs/site.pem"),
                  new Field(
                      "cert_file",
                      "format",
                      Input.CHOICE,
                      "Format",
                      "",
                      false,
                      List.of("pem", "pkcs12", "jks")),
                  field("cert_file", "password", Input.SECRET, "Password (PKCS#12, JKS)", ""),
                  text("cert_file", "alias", "Alias (key stores; empty: the first)", ""))),
          new Type(
              "service",
              "systemd service is active",
              List.of(text("service", "unit", "Unit", "nginx.service"))),
          new Type(
              "file",
              "File exists, is recent, is not too big",
              List.of(
                  text("file", "path", "Path", "/var/backups/nightly.tar.gz"),
                  flag("file", "must_exist", "Must exist (unticked: must not exist)", true),
                  number("file", "modified_within_minutes", "Modified within (minutes)", ""),
                  number("file", "max_bytes", "At most (bytes)", ""))),
          new Type(
              "service_account",
              "Accounts on the host",
              List.of(
                  number(
                      "service_account",
                      "min_human_uid",
                      "People's accounts from uid",
                      Long.toString(CheckConfig.DEFAULT_MIN_HUMAN_UID)),
                  number(
                      "service_account",
                      "max_human_uid",
                      "People's accounts to uid",
                      Long.toString(CheckConfig.DEFAULT_MAX_HUMAN_UID)))),
          new Type(
              "ssh_key_scan",
              "SSH authorized keys",
              List.of(
                  field(
                      "ssh_key_scan",
                      "scan_paths",
                      Input.PATHS,
                      "Also scan (paths, comma separated)",
                      "every user's ~/.ssh/authorized_keys"),
                  field(
                      "ssh_key_scan",
                      "skip_paths",
                      Input.PATHS,
                      "Skip (paths, comma separated)",
                      "none"))));

  /** The intervals offered by name; any other number of seconds is "other". */
  public static final Map<String, String> INTERVALS =
      orderedMap("30", "30 seconds", "60", "1 minute", "300", "5 minutes", "3600", "1 hour");

  private static final List<String> COMMON =
      List.of(
          "name",
          "type",
          "timeout_seconds",
          "interval",
          "interval_seconds",
          "enabled",
          "forget_password");

  private CheckForm() {}

  /** What a new check's form starts with; a user limited to groups picks one of them. */
  static Map<String, String> defaults(Principal user) {
    Map<String, String> values = new LinkedHashMap<>();
    values.put("type", "port");
    values.put("interval", "60");
    values.put("enabled", "on");
    values.put("selector_kind", user.scope().isWholeOrganisation() ? "all" : "group");
    TYPES.forEach(
        t ->
            t.fields().stream()
                .filter(Field::checkedByDefault)
                .forEach(f -> values.put(f.name(), "on")));
    return values;
  }

  /** The form's own fields, first values, as typed (shown again when refused). */
  static Map<String, String> values(Map<String, List<String>> form) {
    List<String> names = new ArrayList<>(COMMON);
    names.addAll(SelectorForm.FIELDS);
    TYPES.forEach(t -> t.fields().forEach(f -> names.add(f.name())));
    Map<String, String> values = new LinkedHashMap<>();
    for (String name : names) {
      List<String> given = form.get(name);
      if (given != null && !given.isEmpty()) {
        values.put(name, given.get(0));
      }
    }
    return values;
  }

  /**
   * The check the fields describe; whatever is wrong is a 400 naming it. On edit ({@code base}) an
   * empty password keeps the stored one unless "forget" is ticked.
   */
  static CheckSpec spec(
      Map<String, String> values, Jdbi jdbi, Principal user, Optional<Check> base) {
    String type = values.getOrDefault("type", "");
    ObjectNode config = JsonNodeFactory.instance.objectNode();
    for (Field field : fieldsOf(type)) {
      String typed = values.getOrDefault(field.name(), "");
      switch (field.input()) {
        case TEXT, CHOICE -> {
          if (!typed.isBlank()) {
            config.put(field.key(), typed.strip());
          }
        }
        case EXACT -> {
          if (!typed.isEmpty()) {
            config.put(field.key(), typed);
          }
        }
        case PATHS -> {
          ArrayNode paths = config.arrayNode();
          for (String path : typed.split("[,\\n]")) {
            if (!path.isBlank()) {
              paths.add(path.strip());
            }
          }
          if (!paths.isEmpty()) {
            config.set(field.key(), paths);
          }
        }
        case NUMBER -> {
          if (!typed.isBlank()) {
            putNumber(config, field.key(), typed.strip());
          }
        }
        case FLAG -> {
          boolean checked = "on".equals(typed);
          if (checked != field.checkedByDefault()) {
            config.put(field.key(), checked);
          }
        }
        case SECRET -> {
          if (!typed.isEmpty()) {
            config.put(field.key(), typed);
          } else if (!"on".equals(values.get("forget_password"))) {
            storedPassword(base, type).ifPresent(p -> config.put(field.key(), p));
          }
        }
      }
    }
    String timeout = values.getOrDefault("timeout_seconds", "").strip();
    if (!timeout.isEmpty()) {
      putNumber(config, "timeout_seconds", timeout);
    }
    int interval = interval(values);
    HostSelector selector =
        SelectorForm.read(values, jdbi, user.orgId(), user.scope()).orElse(HostSelector.ALL);
    return ChecksApi.orBadRequest(
        () ->
            new CheckSpec(
                values.getOrDefault("name", ""),
                type,
                config,
                interval,
                selector,
                "on".equals(values.get("enabled"))));
  }

  /** A saved check as the form's fields; a password is never among them. */
  static Map<String, String> valuesOf(Check check, Jdbi jdbi, Principal user) {
    CheckSpec spec = check.spec();
    Map<String, String> values = new LinkedHashMap<>();
    values.put("name", spec.name());
    values.put("type", spec.type());
    JsonNode config = spec.config();
    for (Field field : fieldsOf(spec.type())) {
      JsonNode value = config.get(field.key());
      switch (field.input()) {
        case FLAG -> {
          boolean checked =
              value != null && value.isBoolean() ? value.asBoolean() : field.checkedByDefault();
          if (checked) {
            values.put(field.name(), "on");
          }
        }
        case SECRET -> {}
        case PATHS -> {
          if (value != null && value.isArray()) {
            List<String> paths = new ArrayList<>();
            value.forEach(path -> paths.add(path.asText()));
            values.put(field.name(), String.join(", ", paths));
          }
        }
        default -> {
          if (value != null && !value.isNull()) {
            values.put(field.name(), value.asText());
          }
        }
      }
    }
    if (config.hasNonNull("timeout_seconds")) {
      values.put("timeout_seconds", config.get("timeout_seconds").asText());
    }
    String seconds = Integer.toString(spec.intervalSeconds());
    values.put("interval", INTERVALS.containsKey(seconds) ? seconds : "other");
    values.put("interval_seconds", seconds);
    if (spec.enabled()) {
      values.put("enabled", "on");
    }
    values.putAll(SelectorForm.fields(spec.selector(), jdbi, user.orgId(), user.scope()));
    return values;
  }

  /** Whether the check keeps a password the form does not show. */
  static boolean hasStoredPassword(Optional<Check> check) {
    return check.flatMap(c -> storedPassword(Optional.of(c), c.spec().type())).isPresent();
  }

  private static Optional<String> storedPassword(Optional<Check> base, String type) {
    return base.filter(c -> c.spec().type().equals(type) && type.equals("cert_file"))
        .map(c -> c.spec().config().path("password"))
        .filter(JsonNode::isTextual)
        .map(JsonNode::asText)
        .filter(p -> !p.isEmpty());
  }

  private static List<Field> fieldsOf(String type) {
    return TYPES.stream()
        .filter(t -> t.name().equals(type))
        .findFirst()
        .map(Type::fields)
        .orElse(List.of());
  }

  /** The interval chosen, or typed under "other". */
  private static int interval(Map<String, String> values) {
    String chosen = values.getOrDefault("interval", "").strip();
    String text =
        chosen.equals("other") ? values.getOrDefault("interval_seconds", "").strip() : chosen;
    if (text.isEmpty()) {
      throw HttpProblem.badRequest("say how often the check runs, in seconds");
    }
    try {
      return Integer.parseInt(text);
    } catch (NumberFormatException e) {
      throw HttpProblem.badRequest("the interval is a whole number of seconds");
    }
  }

  /** A whole number as a JSON number; anything else as typed, for CheckConfig to name. */
  private static void putNumber(ObjectNode config, String key, String typed) {
    try {
      config.put(key, Long.parseLong(typed));
    } catch (NumberFormatException e) {
      config.put(key, typed);
    }
  }

  private static Field field(String type, String key, Input input, String label, String hint) {
    return new Field(type, key, input, label, hint, false, List.of());
  }

  private static Field text(String type, String key, String label, String hint) {
    return field(type, key, Input.TEXT, label, hint);
  }

  private static Field number(String type, String key, String label, String hint) {
    return field(type, key, Input.NUMBER, label, hint);
  }

  private static Field flag(String type, String key, String label, boolean checkedByDefault) {
    return new Field(type, key, Input.FLAG, label, "", checkedByDefault, List.of());
  }

  private static Map<String, String> orderedMap(String... pairs) {
    Map<String, String> map = new LinkedHashMap<>();
    for (int i = 0; i < pairs.length; i += 2) {
      map.put(pairs[i], pairs[i + 1]);
    }
    return java.util.Collections.unmodifiableMap(map);
  }
}
