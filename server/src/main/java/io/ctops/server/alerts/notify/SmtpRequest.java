package io.ctops.server.alerts.notify;

import com.fasterxml.jackson.databind.JsonNode;
import io.ctops.server.web.HttpProblem;
import java.util.Iterator;
import java.util.Optional;
import java.util.Set;

/**
 * The SMTP settings as an admin sends them (form or JSON), checked: a host name or address, a port,
 * the security mode, an optional login and the sender's address. An absent password keeps the saved
 * one; an empty one clears it.
 */
final class SmtpRequest {
  private static final Set<String> FIELDS =
      Set.of("host", "port", "security", "username", "password", "from_address");

  private SmtpRequest() {}

  static SmtpSettings fromJson(JsonNode body) {
    if (body == null || !body.isObject()) {
      throw HttpProblem.badRequest(
          "send a JSON object, e.g. {\"host\": \"mail.example.com\", \"port\": 587, \"security\":"
              + " \"starttls\", \"from_address\": \"ct-ops@example.com\"}");
    }
    for (Iterator<String> names = body.fieldNames(); names.hasNext(); ) {
      String field = names.next();
      if (!FIELDS.contains(field)) {
        throw HttpProblem.badRequest("unknown field \"" + field + "\"; expected one of " + FIELDS);
      }
    }
    JsonNode port = body.get("port");
    if (port != null && !port.isNull() && !port.canConvertToInt()) {
      throw HttpProblem.badRequest("port must be a whole number from 1 to 65535");
    }
    return check(
        text(body, "host"),
        port == null || port.isNull() ? null : Integer.toString(port.asInt()),
        text(body, "security"),
        text(body, "username"),
        body.has("password")
            ? Optional.ofNullable(text(body, "password")).or(() -> Optional.of(""))
            : Optional.empty(),
        text(body, "from_address"));
  }

  /** The form: the password field is blank unless it is being changed. */
  static SmtpSettings fromForm(
      String host,
      String port,
      String security,
      String username,
      String password,
      String clearPassword,
      String from) {
    Optional<String> newPassword =
        clearPassword != null
            ? Optional.of("")
            : Optional.ofNullable(password).filter(p -> !p.isEmpty());
    return check(host, port, security, username, newPassword, from);
  }

  private static SmtpSettings check(
      String host,
      String port,
      String security,
      String username,
      Optional<String> password,
      String from) {
    String h = host == null ? "" : host.strip();
    if (h.isEmpty() || h.length() > 253 || !h.matches("[A-Za-z0-9.\\-:\\[\\]]+")) {
      throw HttpProblem.badRequest("host must be the mail server's name or address");
    }
    int p;
    try {
      p = Integer.parseInt(port == null || port.isBlank() ? "587" : port.strip());
    } catch (NumberFormatException e) {
      p = 0;
    }
    if (p < 1 || p > 65535) {
      throw HttpProblem.badRequest("port must be a whole number from 1 to 65535");
    }
    String s = security == null || security.isBlank() ? SmtpSettings.STARTTLS : security.strip();
    if (!Set.of(SmtpSettings.STARTTLS, SmtpSettings.TLS, SmtpSettings.NONE).contains(s)) {
      throw HttpProblem.badRequest("security must be starttls, tls or none");
    }
    Optional<String> user =
        Optional.ofNullable(username).map(String::strip).filter(u -> !u.isEmpty());
    if (user.isPresent() && (user.get().length() > 320 || hasControl(user.get()))) {
      throw HttpProblem.badRequest("username must be at most 320 characters, without control ones");
    }
    if (password.isPresent() && (password.get().length() > 1000 || hasControl(password.get()))) {
      throw HttpProblem.badRequest(
          "password must be at most 1000 characters, without control ones");
    }
    String f = from == null ? "" : from.strip();
    if (f.isEmpty()) {
      throw HttpProblem.badRequest("from_address is needed: the address messages come from");
    }
    ChannelSpec.requireAddress(f);
    return new SmtpSettings(h, p, s, user, password, f);
  }

  private static boolean hasControl(String text) {
    return text.chars().anyMatch(Character::isISOControl);
  }

  private static String text(JsonNode body, String field) {
    JsonNode value = body.get(field);
    if (value == null || value.isNull()) {
      return null;
    }
    if (!value.isTextual()) {
      throw HttpProblem.badRequest(field + " must be a string");
    }
    return value.asText();
  }
}
