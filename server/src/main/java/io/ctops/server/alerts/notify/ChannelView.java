package io.ctops.server.alerts.notify;

import java.net.URI;
import java.util.UUID;

/**
 * A channel as the pages show it: never its secret; a URL in full to admins only (a Slack URL or a
 * webhook's query string can be a credential), its host to everyone else.
 */
public record ChannelView(
    UUID id,
    String name,
    String kind,
    boolean enabled,
    String url,
    String recipients,
    boolean hasSecret) {

  static ChannelView of(StoredChannel stored, boolean admin) {
    return switch (stored.channel()) {
      case WebhookChannel w ->
          new ChannelView(
              stored.id(),
              stored.name(),
              w.kind(),
              stored.enabled(),
              shownUrl(w.url(), admin),
              "",
              true);
      case SlackChannel s ->
          new ChannelView(
              stored.id(),
              stored.name(),
              s.kind(),
              stored.enabled(),
              shownUrl(s.url(), admin),
              "",
              false);
      case EmailChannel e ->
          new ChannelView(
              stored.id(),
              stored.name(),
              e.kind(),
              stored.enabled(),
              "",
              String.join(", ", e.recipients()),
              false);
    };
  }

  /** The kind as a person reads it. */
  public String kindLabel() {
    return switch (kind) {
      case WebhookChannel.KIND -> "Webhook";
      case SlackChannel.KIND -> "Slack-compatible";
      default -> "Email";
    };
  }

  /** Where messages go, in one line. */
  public String target() {
    return kind.equals(EmailChannel.KIND) ? recipients : url;
  }

  public boolean isEmail() {
    return kind.equals(EmailChannel.KIND);
  }

  static String shownUrl(URI url, boolean admin) {
    if (admin) {
      return url.toString();
    }
    return url.getScheme() + "://" + url.getRawAuthority().replaceAll("^.*@", "") + "/…";
  }
}
