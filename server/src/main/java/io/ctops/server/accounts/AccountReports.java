package io.ctops.server.accounts;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.regex.Pattern;

/**
 * Reads the reports of {@code service_account} and {@code ssh_key_scan} checks, as the original
 * CT-Ops agent writes them ({@code {"accounts": [{"username", "uid", "gid", "home_directory",
 * "shell", "account_type", "has_login_capability", "has_running_processes", "account_locked",
 * "password_expires_at", "password_last_changed"}]}} and {@code {"keys": [{"key_type",
 * "bit_length", "fingerprint_sha256", "comment", "file_path", "key_source", "associated_username",
 * "key_age_seconds"}]}}) and as ours does (the same keys, plus groups, privilege, password set,
 * account expiry, last login, domain source, counts and notes). Leniently: numbers may come as
 * strings, times as Unix seconds or RFC 3339, fingerprints as {@code SHA256:} base64 or hex; keys
 * it does not know are ignored, an entry without a name or fingerprint is skipped. An output that
 * is not such JSON is {@link Malformed}: the result is kept, its report is not read.
 */
public final class AccountReports {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Pattern HEX_FINGERPRINT = Pattern.compile("[0-9a-fA-F:]{64,95}");
  private static final Pattern BASE64_FINGERPRINT = Pattern.compile("[A-Za-z0-9+/]{43}=?");

  /** Entries read from one report at most (a report is at most 256 KiB: far fewer fit). */
  static final int MAX_ENTRIES = 20_000;

  private static final int MAX_TEXT = 1024;
  private static final int MAX_LIST = 256;

  private AccountReports() {}

  /** The check types whose results carry accounts or keys. */
  public static boolean readsAccounts(String checkType) {
    return checkType.equals("service_account") || checkType.equals("ssh_key_scan");
  }

  /** What a report said. */
  public sealed interface Read permits Accounts, Keys, Malformed {}

  /** A service_account report. */
  public record Accounts(List<ReportedAccount> accounts, Counts counts) implements Read {}

  /** An ssh_key_scan report. */
  public record Keys(List<ReportedKey> keys, Counts counts) implements Read {}

  /** An output that is not a report of its check's type; why, for the log. */
  public record Malformed(String reason) implements Read {}

  /** What the report counted beside its list: the whole, what it left out, notes. */
  public record Counts(int total, int omitted, int skipped, List<String> notes) {}

  /** One account as reported. */
  public record ReportedAccount(
      String username,
      OptionalLong uid,
      OptionalLong gid,
      String home,
      String shell,
      String accountType,
      boolean canLogIn,
      Optional<Boolean> hasRunningProcesses,
      Optional<Boolean> locked,
      Optional<Boolean> passwordSet,
      Optional<Instant> passwordLastChanged,
      Optional<Instant> passwordExpiresAt,
      Optional<Instant> accountExpiresAt,
      boolean privileged,
      List<String> privilegedBy,
      List<String> groups,
      Optional<Instant> lastLoginAt,
      boolean domain) {}

  /** One SSH public key as reported (never the key itself). */
  public record ReportedKey(
      String filePath,
      String fingerprint,
      String username,
      String keyType,
      Optional<Integer> bits,
      String comment,
      String keySource,
      OptionalLong ageSeconds) {}

  /** Reads the output of a check of {@code checkType} (one {@link #readsAccounts} names). */
  public static Read read(String checkType, String output) {
    JsonNode json;
    try {
      json = JSON.readTree(output);
    } catch (JsonProcessingException e) {
      return new Malformed("not JSON");
    }
    String list = checkType.equals("ssh_key_scan") ? "keys" : "accounts";
    if (json == null || !json.isObject() || !json.path(list).isArray()) {
      return new Malformed("no \"" + list + "\" list");
    }
    JsonNode items = json.get(list);
    int skipped = 0;
    if (list.equals("keys")) {
      Map<String, ReportedKey> keys = new LinkedHashMap<>();
      for (int i = 0; i < items.size() && i < MAX_ENTRIES; i++) {
        Optional<ReportedKey> key = key(items.get(i));
        if (key.isEmpty()) {
          skipped++;
        } else {
          keys.putIfAbsent(key.get().filePath() + "\n" + key.get().fingerprint(), key.get());
        }
      }
      return new Keys(List.copyOf(keys.values()), counts(json, list, keys.size(), skipped));
    }
    Map<String, ReportedAccount> accounts = new LinkedHashMap<>();
    for (int i = 0; i < items.size() && i < MAX_ENTRIES; i++) {
      Optional<ReportedAccount> account = account(items.get(i));
      if (account.isEmpty()) {
        skipped++;
      } else {
        accounts.putIfAbsent(account.get().username(), account.get());
      }
    }
    return new Accounts(
        List.copyOf(accounts.values()), counts(json, list, accounts.size(), skipped));
  }

  private static Counts counts(JsonNode json, String list, int read, int unreadable) {
    List<String> notes = new ArrayList<>();
    for (JsonNode note : json.path("notes")) {
      if (note.isTextual() && !note.asText().isBlank() && notes.size() < 20) {
        notes.add(cut(note.asText()));
      }
    }
    int total = Math.max(read, (int) number(json.path(list + "_total")).orElse(read));
    int omitted = (int) Math.max(0, number(json.path(list + "_omitted")).orElse(0));
    int skipped = (int) Math.max(0, number(json.path("skipped")).orElse(0)) + unreadable;
    return new Counts(total, omitted, skipped, notes);
  }

  private static Optional<ReportedAccount> account(JsonNode a) {
    String username = text(a.path("username"));
    if (!a.isObject() || username.isBlank() || username.length() > 256) {
      return Optional.empty();
    }
    String shell = text(a.path("shell"));
    String type = text(a.path("account_type")).toLowerCase(Locale.ROOT);
    if (!List.of("human", "service", "system").contains(type)) {
      type = "";
    }
    List<String> privilegedBy = texts(a.path("privileged_by"));
    OptionalLong uid = number(a.path("uid"));
    return Optional.of(
        new ReportedAccount(
            username,
            uid,
            number(a.path("gid")),
            text(a.path("home_directory")),
            shell,
            type,
            bool(a.path("has_login_capability")).orElseGet(() -> canLogIn(shell)),
            bool(a.path("has_running_processes")),
            bool(a.path("account_locked")),
            bool(a.path("password_set")),
            time(a.path("password_last_changed")),
            time(a.path("password_expires_at")),
            time(a.path("account_expires_at")),
            bool(a.path("privileged")).orElse(false)
                || !privilegedBy.isEmpty()
                || (uid.isPresent() && uid.getAsLong() == 0),
            privilegedBy,
            texts(a.path("groups")),
            time(a.path("last_login_at")),
            text(a.path("account_source")).equalsIgnoreCase("domain")));
  }

  private static Optional<ReportedKey> key(JsonNode k) {
    Optional<String> fingerprint = fingerprint(text(k.path("fingerprint_sha256")));
    String path = text(k.path("file_path"));
    if (!k.isObject() || fingerprint.isEmpty() || path.isBlank()) {
      return Optional.empty();
    }
    OptionalLong bits = number(k.path("bit_length"));
    return Optional.of(
        new ReportedKey(
            path,
            fingerprint.get(),
            text(k.path("associated_username")),
            text(k.path("key_type")),
            bits.isPresent() && bits.getAsLong() > 0 && bits.getAsLong() <= 65_536
                ? Optional.of((int) bits.getAsLong())
                : Optional.empty(),
            text(k.path("comment")),
            text(k.path("key_source")),
            number(k.path("key_age_seconds"))));
  }

  /**
   * A SHA-256 key fingerprint as {@code ssh-keygen -l} prints it ({@code SHA256:} and unpadded
   * base64), from that form, bare base64, or hex (with or without colons); empty when it is none.
   */
  public static Optional<String> fingerprint(String text) {
    String value = text.strip();
    if (value.regionMatches(true, 0, "SHA256:", 0, 7)) {
      value = value.substring(7);
    }
    if (BASE64_FINGERPRINT.matcher(value).matches() && !HEX_FINGERPRINT.matcher(value).matches()) {
      return Optional.of("SHA256:" + (value.endsWith("=") ? value.substring(0, 43) : value));
    }
    if (HEX_FINGERPRINT.matcher(value).matches()) {
      String hex = value.replace(":", "");
      if (hex.length() == 64) {
        byte[] digest = HexFormat.of().parseHex(hex.toLowerCase(Locale.ROOT));
        return Optional.of("SHA256:" + Base64.getEncoder().withoutPadding().encodeToString(digest));
      }
    }
    return Optional.empty();
  }

  static boolean canLogIn(String shell) {
    String name = shell.substring(shell.lastIndexOf('/') + 1);
    return !shell.isBlank() && !name.equals("nologin") && !name.equals("false");
  }

  private static String text(JsonNode value) {
    return value.isValueNode() && !value.isNull() ? cut(value.asText()) : "";
  }

  private static List<String> texts(JsonNode values) {
    List<String> texts = new ArrayList<>();
    for (JsonNode value : values) {
      String text = text(value);
      if (!text.isBlank() && texts.size() < MAX_LIST) {
        texts.add(text);
      }
    }
    return texts;
  }

  private static OptionalLong number(JsonNode value) {
    if (value.isIntegralNumber() && value.canConvertToLong()) {
      return OptionalLong.of(value.asLong());
    }
    if (value.isTextual()) {
      try {
        return OptionalLong.of(Long.parseLong(value.asText().strip()));
      } catch (NumberFormatException e) {
        return OptionalLong.empty();
      }
    }
    return OptionalLong.empty();
  }

  private static Optional<Boolean> bool(JsonNode value) {
    if (value.isBoolean()) {
      return Optional.of(value.asBoolean());
    }
    if (value.isTextual() && List.of("true", "false").contains(value.asText())) {
      return Optional.of(Boolean.parseBoolean(value.asText()));
    }
    return Optional.empty();
  }

  /** Unix seconds (a number or a string of one) or RFC 3339; nothing for 0, empty or "never". */
  private static Optional<Instant> time(JsonNode value) {
    OptionalLong seconds = number(value);
    if (seconds.isPresent()) {
      long s = seconds.getAsLong();
      return s > 0 && s < 253_402_300_800L
          ? Optional.of(Instant.ofEpochSecond(s))
          : Optional.empty();
    }
    try {
      return Optional.of(OffsetDateTime.parse(value.asText("")).toInstant());
    } catch (DateTimeParseException e) {
      return Optional.empty();
    }
  }

  private static String cut(String text) {
    String clean = text.replace('\0', '\uFFFD');
    return clean.length() > MAX_TEXT ? clean.substring(0, MAX_TEXT) : clean;
  }
}
