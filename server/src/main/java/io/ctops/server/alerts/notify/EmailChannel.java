package io.ctops.server.alerts.notify;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.List;

/**
 * Plain-text email to a list of addresses through the organisation's SMTP server. The outbox keeps
 * the message as {@code {"subject": ..., "text": ...}}.
 */
record EmailChannel(List<String> recipients) implements Channel {
  static final String KIND = "email";
  private static final DateTimeFormatter TIME =
      DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss 'UTC'").withZone(ZoneOffset.UTC);

  EmailChannel {
    recipients = List.copyOf(recipients);
  }

  @Override
  public String kind() {
    return KIND;
  }

  @Override
  public ObjectNode config() {
    ObjectNode config = JsonNodeFactory.instance.objectNode();
    ArrayNode list = config.putArray("recipients");
    recipients.forEach(list::add);
    return config;
  }

  @Override
  public String render(Notification n) {
    String subject =
        n.isTest()
            ? "[CT-Ops] Test message"
            : "[CT-Ops] "
                + n.headline()
                + ": "
                + n.rule().name()
                + " ("
                + n.rule().severity()
                + ") on "
                + (n.hostCount() == 1 ? n.hosts().getFirst().hostname() : n.hostCount() + " hosts");
    StringBuilder text = new StringBuilder();
    text.append(n.headline()).append(": ").append(n.rule().name()).append('\n');
    text.append("Severity: ").append(n.rule().severity()).append('\n');
    if (!n.isTest()) {
      text.append("Hosts (").append(n.hostCount()).append("): ").append(n.hostsInWords());
      text.append('\n');
      text.append("Since: ").append(TIME.format(n.firstAt())).append('\n');
    }
    if (!n.rule().description().isEmpty()) {
      text.append('\n').append(n.rule().description()).append('\n');
    }
    if (n.rule().runbookUrl() != null) {
      text.append("\nRunbook: ").append(n.rule().runbookUrl()).append('\n');
    }
    return JsonNodeFactory.instance
        .objectNode()
        .put("subject", subject)
        .put("text", text.toString())
        .toString();
  }
}
