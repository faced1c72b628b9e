package io.ctops.server.alerts.notify;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.net.URI;

/**
 * A Slack-compatible incoming webhook: a POST of {@code {"text": "..."}}, which Slack, Mattermost
 * and Teams' Slack-format connectors all accept. The URL is its only secret.
 */
record SlackChannel(URI url) implements Channel {
  static final String KIND = "slack";

  @Override
  public String kind() {
    return KIND;
  }

  @Override
  public ObjectNode config() {
    return JsonNodeFactory.instance.objectNode().put("url", url.toString());
  }

  @Override
  public String render(Notification n) {
    StringBuilder text = new StringBuilder();
    text.append('*').append(n.headline()).append("* ");
    text.append('[').append(n.rule().severity()).append("] ").append(n.rule().name());
    if (n.isTest()) {
      text.append("\n").append(n.rule().description());
    } else {
      text.append("\n").append(n.hostCount() == 1 ? "Host: " : n.hostCount() + " hosts: ");
      text.append(n.hostsInWords());
      if (!n.rule().description().isEmpty()) {
        text.append("\n").append(n.rule().description());
      }
      if (n.rule().runbookUrl() != null) {
        text.append("\nRunbook: ").append(n.rule().runbookUrl());
      }
    }
    return JsonNodeFactory.instance.objectNode().put("text", text.toString()).toString();
  }
}
