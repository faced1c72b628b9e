package io.ctops.server.alerts.notify;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.net.URI;
import java.util.stream.StreamSupport;

/**
 * Where a channel's messages go, one class per kind. A kind renders a {@link Notification} into the
 * exact payload its outbox row keeps ({@link #render}); {@link Delivery} sends it.
 */
sealed interface Channel permits WebhookChannel, SlackChannel, EmailChannel {

  /** The kind as stored in {@code notification_channels.kind}. */
  String kind();

  /** The kind's settings as stored in {@code notification_channels.config}, secrets included. */
  ObjectNode config();

  /** What this kind sends for the notification. */
  String render(Notification notification);

  /** A stored channel, as its kind and config were saved (checked when they were). */
  static Channel fromStored(String kind, JsonNode config) {
    return switch (kind) {
      case WebhookChannel.KIND ->
          new WebhookChannel(
              URI.create(config.path("url").asText()), config.path("secret").asText());
      case SlackChannel.KIND -> new SlackChannel(URI.create(config.path("url").asText()));
      case EmailChannel.KIND ->
          new EmailChannel(
              StreamSupport.stream(config.path("recipients").spliterator(), false)
                  .map(JsonNode::asText)
                  .toList());
      default -> throw new IllegalStateException("unknown channel kind " + kind);
    };
  }
}
