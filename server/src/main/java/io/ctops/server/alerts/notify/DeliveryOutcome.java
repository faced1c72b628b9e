package io.ctops.server.alerts.notify;

import java.time.Duration;

/**
 * How one attempt to deliver went: delivered or not, the receiver's HTTP status or the SMTP
 * server's last reply when there was one, what went wrong in words, and how long it took.
 */
record DeliveryOutcome(
    boolean delivered, Integer httpStatus, String smtpReply, String detail, Duration took) {

  static DeliveryOutcome failed(String detail, Duration took) {
    return new DeliveryOutcome(false, null, null, detail, took);
  }

  /** The outcome in a few words, for the log and the "Send test" answer. */
  String summary() {
    StringBuilder text = new StringBuilder(delivered ? "delivered" : "failed");
    if (httpStatus != null) {
      text.append(", HTTP ").append(httpStatus);
    }
    if (smtpReply != null) {
      text.append(", SMTP ").append(smtpReply);
    }
    if (detail != null && !detail.isEmpty()) {
      text.append(": ").append(detail);
    }
    return text.toString();
  }
}
