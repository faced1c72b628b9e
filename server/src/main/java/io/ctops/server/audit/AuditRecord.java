package io.ctops.server.audit;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.UUID;

/** One stored audit entry as the page, the CSV and the API show it (nullable where unknown). */
public record AuditRecord(
    long id,
    Instant at,
    UUID orgId,
    String orgName,
    String actorKind,
    UUID actorUserId,
    String actorName,
    UUID apiKeyId,
    String apiKeyName,
    String action,
    String targetType,
    String targetId,
    String targetLabel,
    UUID targetHostId,
    JsonNode parameters,
    String outcome,
    String reason,
    String sourceAddress) {

  public boolean failed() {
    return "failed".equals(outcome);
  }

  /** The actor as a person reads it: the email, and the API key's name when one was used. */
  public String actorShown() {
    return apiKeyName == null ? actorName : actorName + " (API key \"" + apiKeyName + "\")";
  }

  /** The Audit page narrowed to this entry's actor. */
  public String actorFilterUrl() {
    return "/audit?actor=" + URLEncoder.encode(actorName, StandardCharsets.UTF_8);
  }

  /** The parameters as {@code key=value} pairs, for the page and the CSV. */
  public String parametersShown() {
    StringBuilder text = new StringBuilder();
    parameters
        .properties()
        .forEach(
            e -> {
              if (!text.isEmpty()) {
                text.append(", ");
              }
              text.append(e.getKey())
                  .append('=')
                  .append(e.getValue().isTextual() ? e.getValue().asText() : e.getValue());
            });
    return text.toString();
  }
}
