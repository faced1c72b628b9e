package io.ctops.server.alerts.notify;

import java.util.Optional;

/**
 * The mail server email channels send through: {@code security} is {@code starttls} (upgrade a
 * plain connection, required), {@code tls} (TLS from the first byte) or {@code none}; login when a
 * username is set.
 */
record SmtpSettings(
    String host,
    int port,
    String security,
    Optional<String> username,
    Optional<String> password,
    String fromAddress) {

  static final String STARTTLS = "starttls";
  static final String TLS = "tls";
  static final String NONE = "none";
}
