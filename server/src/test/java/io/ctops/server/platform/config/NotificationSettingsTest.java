package io.ctops.server.platform.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class NotificationSettingsTest {

  @Test
  void unsetVariablesOverrideNothingAndTheWindowIsThirtySeconds() {
    NotificationSettings settings = NotificationSettings.from(new Environment(Map.of()));
    assertThat(settings).isEqualTo(NotificationSettings.defaults());
    assertThat(settings.groupWindow()).isEqualTo(Duration.ofSeconds(30));
  }

  @Test
  void readsEverySmtpVariable() {
    NotificationSettings settings =
        NotificationSettings.from(
            new Environment(
                Map.of(
                    "CTOPS_SMTP_HOST", "mail.example.com",
                    "CTOPS_SMTP_PORT", "465",
                    "CTOPS_SMTP_SECURITY", "tls",
                    "CTOPS_SMTP_USERNAME", "alerts",
                    "CTOPS_SMTP_PASSWORD", " spaced secret ",
                    "CTOPS_SMTP_FROM", "ct-ops@example.com",
                    "NOTIFY_GROUP_WINDOW_SECONDS", "5")));
    assertThat(settings.smtpHost()).hasValue("mail.example.com");
    assertThat(settings.smtpPort()).hasValue(465);
    assertThat(settings.smtpSecurity()).hasValue("tls");
    assertThat(settings.smtpUsername()).hasValue("alerts");
    // a password is taken as it is, spaces and all
    assertThat(settings.smtpPassword()).isEqualTo(Optional.of(" spaced secret "));
    assertThat(settings.smtpFrom()).hasValue("ct-ops@example.com");
    assertThat(settings.groupWindow()).isEqualTo(Duration.ofSeconds(5));
  }

  @Test
  void aBadValueStopsStartupNamingItsVariable() {
    for (Map.Entry<String, String> bad :
        Map.of(
                "CTOPS_SMTP_PORT", "70000",
                "CTOPS_SMTP_SECURITY", "ssl",
                "CTOPS_SMTP_FROM", "not an address",
                "NOTIFY_GROUP_WINDOW_SECONDS", "0")
            .entrySet()) {
      assertThatThrownBy(
              () ->
                  NotificationSettings.from(new Environment(Map.of(bad.getKey(), bad.getValue()))))
          .isInstanceOf(ConfigException.class)
          .hasMessageContaining(bad.getKey());
    }
  }
}
