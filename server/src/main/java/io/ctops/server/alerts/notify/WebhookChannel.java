package io.ctops.server.alerts.notify;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.util.HexFormat;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * A JSON POST to any URL, signed: {@code X-CTOps-Signature: sha256=<hex>} is the HMAC-SHA256 of the
 * exact body bytes with the channel's secret, so the receiver can tell the message came from us and
 * was not changed. The body is payload version 1 (README, "Notifications").
 */
record WebhookChannel(URI url, String secret) implements Channel {
  static final String KIND = "webhook";
  static final String SIGNATURE_HEADER = "X-CTOps-Signature";
  static final int PAYLOAD_VERSION = 1;
  private static final ObjectMapper JSON = new ObjectMapper();

  @Override
  public String kind() {
    return KIND;
  }

  @Override
  public ObjectNode config() {
    return JsonNodeFactory.instance.objectNode().put("url", url.toString()).put("secret", secret);
  }

  @Override
  public String render(Notification n) {
    ObjectNode body = JsonNodeFactory.instance.objectNode();
    body.put("version", PAYLOAD_VERSION);
    body.put("event", n.event());
    ObjectNode rule = body.putObject("rule");
    rule.put("id", n.rule().id() == null ? null : n.rule().id().toString());
    rule.put("name", n.rule().name());
    rule.put("severity", n.rule().severity());
    rule.put("description", n.rule().description());
    rule.put("runbook_url", n.rule().runbookUrl());
    ArrayNode hosts = body.putArray("hosts");
    for (Notification.Host host : n.hosts()) {
      ObjectNode line = hosts.addObject();
      line.put("id", host.id().toString());
      line.put("hostname", host.hostname());
      line.put("value", host.value());
    }
    body.put("host_count", n.hostCount());
    body.put("more_hosts", n.moreHosts());
    body.put("first_at", n.firstAt().toString());
    body.put("last_at", n.lastAt().toString());
    body.put("sent_at", n.groupedAt().toString());
    try {
      return JSON.writeValueAsString(body);
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }

  /** The signature header's value for these body bytes. */
  String sign(byte[] body) {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
      return "sha256=" + HexFormat.of().formatHex(mac.doFinal(body));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("HMAC-SHA256 is part of every JDK", e);
    }
  }
}
