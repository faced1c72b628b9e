package io.ctops.server.alerts;

import com.fasterxml.jackson.databind.JsonNode;

/** The {@code minutes} parameter of the kinds that wait: a whole number from 0 to a week. */
final class Minutes {
  static final int MAX = 7 * 24 * 60;

  private Minutes() {}

  static int of(JsonNode parameters, String what) {
    JsonNode minutes = parameters.path("minutes");
    if (minutes.isMissingNode() || minutes.isNull()) {
      return 0;
    }
    if (!minutes.canConvertToInt() || !minutes.isIntegralNumber()) {
      throw new InvalidRuleException("\"minutes\" (" + what + ") is a whole number of minutes");
    }
    int value = minutes.asInt();
    if (value < 0 || value > MAX) {
      throw new InvalidRuleException(
          "\"minutes\" (" + what + ") is between 0 and " + MAX + " (a week)");
    }
    return value;
  }

  static String shown(int minutes) {
    return minutes == 1 ? "1 minute" : minutes + " minutes";
  }
}
