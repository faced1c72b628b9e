package io.ctops.server.alerts.notify;

import com.fasterxml.jackson.databind.JsonNode;
import io.ctops.server.web.HttpProblem;
import jakarta.mail.internet.AddressException;
import jakarta.mail.internet.InternetAddress;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * A channel as an admin asks for it (form or JSON), before it is checked: {@link #check} turns it
 * into a {@link Channel} or refuses it with 400 and the reason. Absent fields of an edit keep the
 * channel's values; an absent or empty secret keeps the saved one (it is never shown back).
 */
record ChannelSpec(
    String name,
    String kind,
    boolean enabled,
    String url,
    Optional<String> secret,
    List<String> recipients) {

  static final int MIN_SECRET = 16;
  static final int MAX_SECRET = 256;
  static final int MAX_RECIPIENTS = 50;
  private static final Set<String> FIELDS =
      Set.of("name", "kind", "enabled", "url", "secret", "recipients");

  /** The JSON API's body; {@code existing} for a PATCH. */
  static ChannelSpec fromJson(JsonNode body, Optional<StoredChannel> existing) {
    if (body == null || !body.isObject()) {
      throw HttpProblem.badRequest(
          "send a JSON object, e.g. {\"name\": \"ops\", \"kind\": \"webhook\", \"url\":"
              + " \"https://…\", \"secret\": \"…\"}");
    }
    for (Iterator<String> names = body.fieldNames(); names.hasNext(); ) {
      String field = names.next();
      if (!FIELDS.contains(field)) {
        throw HttpProblem.badRequest("unknown field \"" + field + "\"; expected one of " + FIELDS);
      }
    }
    ChannelSpec base = existing.map(ChannelSpec::of).orElse(empty());
    List<String> recipients = base.recipients();
    if (body.has("recipients")) {
      JsonNode list = body.get("recipients");
      if (!list.isArray()) {
        throw HttpProblem.badRequest("recipients must be a list of email addresses");
      }
      recipients = new ArrayList<>();
      for (JsonNode r : list) {
        if (!r.isTextual()) {
          throw HttpProblem.badRequest("recipients must be a list of email addresses");
        }
        recipients.add(r.asText().strip());
      }
    }
    if (body.has("enabled") && !body.get("enabled").isBoolean()) {
      throw HttpProblem.badRequest("enabled must be true or false");
    }
    return new ChannelSpec(
        text(body, "name").orElse(base.name()),
        text(body, "kind").orElse(base.kind()),
        body.has("enabled") ? body.get("enabled").asBoolean() : base.enabled(),
        text(body, "url").orElse(base.url()),
        text(body, "secret").filter(s -> !s.isEmpty()),
        recipients);
  }

  /** The page's form fields (null when not sent); recipients one per line or comma-separated. */
  record Form(
      String name, String kind, String enabled, String url, String secret, String recipients) {}

  /** The page's form: every field is sent; an unticked "enabled" box sends nothing. */
  static ChannelSpec fromForm(Form form, Optional<StoredChannel> existing) {
    ChannelSpec base = existing.map(ChannelSpec::of).orElse(empty());
    String recipients = strip(form.recipients());
    return new ChannelSpec(
        strip(form.name()),
        existing.isPresent() ? base.kind() : strip(form.kind()),
        existing.isEmpty() || form.enabled() != null,
        strip(form.url()),
        Optional.of(strip(form.secret())).filter(s -> !s.isEmpty()),
        recipients.isEmpty()
            ? List.of()
            : List.of(recipients.split("[,;\\s]+")).stream().filter(r -> !r.isEmpty()).toList());
  }

  private static String strip(String value) {
    return value == null ? "" : value.strip();
  }

  private static ChannelSpec empty() {
    return new ChannelSpec("", "", true, "", Optional.empty(), List.of());
  }

  private static ChannelSpec of(StoredChannel stored) {
    return switch (stored.channel()) {
      case WebhookChannel w ->
          new ChannelSpec(
              stored.name(),
              w.kind(),
              stored.enabled(),
              w.url().toString(),
              Optional.empty(),
              List.of());
      case SlackChannel s ->
          new ChannelSpec(
              stored.name(),
              s.kind(),
              stored.enabled(),
              s.url().toString(),
              Optional.empty(),
              List.of());
      case EmailChannel e ->
          new ChannelSpec(
              stored.name(), e.kind(), stored.enabled(), "", Optional.empty(), e.recipients());
    };
  }

  /**
   * The channel this asks for, or 400 with what is wrong. {@code savedSecret}: the secret an edit
   * keeps when none is sent; {@code hasSmtpHost}: whether email can be sent at all.
   */
  Channel check(Optional<String> savedSecret, SelfAddress self, boolean hasSmtpHost) {
    if (name.isBlank() || name.length() > 200) {
      throw HttpProblem.badRequest("a channel needs a name of 1 to 200 characters");
    }
    if (name.chars().anyMatch(Character::isISOControl)) {
      throw HttpProblem.badRequest("a channel's name may not hold control characters");
    }
    return switch (kind) {
      case WebhookChannel.KIND -> {
        String key = secret.or(() -> savedSecret).orElse("");
        if (key.length() < MIN_SECRET || key.length() > MAX_SECRET) {
          throw HttpProblem.badRequest(
              "a webhook needs a secret of "
                  + MIN_SECRET
                  + " to "
                  + MAX_SECRET
                  + " characters (it signs every message)");
        }
        if (key.chars().anyMatch(Character::isISOControl)) {
          throw HttpProblem.badRequest("a webhook's secret may not hold control characters");
        }
        yield new WebhookChannel(url(self), key);
      }
      case SlackChannel.KIND -> new SlackChannel(url(self));
      case EmailChannel.KIND -> {
        if (recipients.isEmpty()) {
          throw HttpProblem.badRequest("an email channel needs at least one recipient");
        }
        if (recipients.size() > MAX_RECIPIENTS) {
          throw HttpProblem.badRequest(
              "an email channel takes at most " + MAX_RECIPIENTS + " recipients");
        }
        for (String recipient : recipients) {
          requireAddress(recipient);
        }
        if (!hasSmtpHost) {
          throw HttpProblem.badRequest("no SMTP server is configured: set the SMTP settings first");
        }
        yield new EmailChannel(List.copyOf(new LinkedHashSet<>(recipients)));
      }
      default ->
          throw HttpProblem.badRequest(
              "kind must be email, webhook or slack"
                  + (kind.isEmpty() ? "" : ", not " + quote(kind)));
    };
  }

  private URI url(SelfAddress self) {
    if (url.isBlank()) {
      throw HttpProblem.badRequest("a " + kind + " channel needs a URL");
    }
    if (url.length() > 2000) {
      throw HttpProblem.badRequest("the URL is longer than 2000 characters");
    }
    URI uri;
    try {
      uri = new URI(url);
    } catch (URISyntaxException e) {
      throw HttpProblem.badRequest("the URL is not valid: " + e.getReason());
    }
    String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase();
    if (!scheme.equals("http") && !scheme.equals("https")) {
      throw HttpProblem.badRequest("the URL must start with http:// or https://");
    }
    if (uri.getHost() == null || uri.getHost().isEmpty()) {
      throw HttpProblem.badRequest("the URL must name a host");
    }
    if (self.isSelf(uri)) {
      throw HttpProblem.badRequest(
          "the URL points at this web app itself; give the receiver's address");
    }
    return uri;
  }

  static String requireAddress(String text) {
    try {
      InternetAddress address = new InternetAddress(text, true);
      address.validate();
      if (!address.getAddress().equals(text) || !text.contains("@") || text.length() > 320) {
        throw new AddressException();
      }
      return text;
    } catch (AddressException e) {
      throw HttpProblem.badRequest(quote(text) + " is not a valid email address");
    }
  }

  private static String quote(String text) {
    String shown = text.length() > 80 ? text.substring(0, 80) + "…" : text;
    return "\"" + shown.replaceAll("\\p{Cntrl}", "?") + "\"";
  }

  private static Optional<String> text(JsonNode body, String field) {
    JsonNode value = body.get(field);
    if (value == null || value.isNull()) {
      return Optional.empty();
    }
    if (!value.isTextual()) {
      throw HttpProblem.badRequest(field + " must be a string");
    }
    return Optional.of(value.asText().strip());
  }
}
