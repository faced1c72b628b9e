package io.ctops.server.alerts;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Map;

/**
 * A certificate on a host expires within {@code days} (or has expired): {@code {"days": 30}}. Every
 * certificate the host is known to hold counts, wherever it was found (discovery in files and on
 * TLS services, certificate and cert_file checks), the certificates that signed one too: an
 * intermediate that expires breaks the chain as surely. Reports the fewest days left (negative:
 * expired that long ago).
 */
final class CertificateExpiry implements AlertKind {
  static final int MAX_DAYS = 3650;

  @Override
  public String name() {
    return "certificate_expiry";
  }

  @Override
  public ObjectNode validate(JsonNode parameters) {
    return JsonNodeFactory.instance.objectNode().put("days", days(parameters));
  }

  private static int days(JsonNode parameters) {
    JsonNode days = parameters.path("days");
    if (days.isMissingNode() || days.isNull()) {
      return 30;
    }
    if (!days.isIntegralNumber() || !days.canConvertToInt()) {
      throw new InvalidRuleException("\"days\" is a whole number of days");
    }
    int value = days.asInt();
    if (value < 0 || value > MAX_DAYS) {
      throw new InvalidRuleException("\"days\" is between 0 (only expired ones) and " + MAX_DAYS);
    }
    return value;
  }

  @Override
  public Condition condition(JsonNode parameters) {
    int days = days(parameters);
    String expiring =
        "FROM host_certificates hc WHERE hc.host_id = v.host_id"
            + " AND hc.not_after <= CAST(:now AS timestamptz) + make_interval(days => :days)";
    return new Condition(
        "EXISTS (SELECT 1 " + expiring + ")",
        "(SELECT round(CAST(extract(epoch FROM min(hc.not_after) - CAST(:now AS timestamptz))"
            + " / 86400 AS numeric), 1) "
            + expiring
            + ")",
        Map.of("days", days),
        days == 0
            ? "a certificate expired"
            : "a certificate expires within " + (days == 1 ? "a day" : days + " days"),
        false);
  }
}
