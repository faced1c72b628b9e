package io.ctops.agent.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * {@code [certificates]} in agent.toml: its defaults, its keys, and a clear line for each mistake.
 */
class CertificateSettingsTest {
  private static final Map<String, String> ENV =
      Map.of("CT_OPS_INGEST_ADDRESS", "ingest.lab:9443", "CT_OPS_ORG_TOKEN", "token");

  @TempDir Path dir;

  @Test
  void discoversWithTheDefaultsWhenTheFileSaysNothing() throws Exception {
    CertificateSettings settings = load("").certificates();

    assertThat(settings).isEqualTo(CertificateSettings.DEFAULT);
    assertThat(settings.enabled()).isTrue();
    assertThat(settings.paths())
        .extracting(Path::toString)
        .containsExactly(
            "/etc/ssl",
            "/etc/pki",
            "/etc/letsencrypt/live",
            "/etc/nginx",
            "/etc/apache2",
            "/etc/haproxy",
            "/usr/local/etc");
    assertThat(settings.skipTrustBundles()).isTrue();
    assertThat(settings.tlsPorts()).isEmpty();
    assertThat(settings.serverName()).isEmpty();
    assertThat(settings.scanEvery()).isEqualTo(Duration.ofHours(6));
    assertThat(settings.maxFileBytes()).isEqualTo(1024 * 1024);
    assertThat(settings.maxCertificates()).isEqualTo(5000);
  }

  @Test
  void readsEveryKey() throws Exception {
    CertificateSettings settings =
        load("""
                [certificates]
                enabled = true
                paths = ["/srv/tls", "/opt/app/certs/"]
                skip_trust_bundles = false
                tls_ports = [443, 8443, 443]
                server_name = "www.example.com"
                scan_every = "1h30m"
                max_file_bytes = 65536
                max_certificates = 200
                """)
            .certificates();

    assertThat(settings.paths()).containsExactly(Path.of("/srv/tls"), Path.of("/opt/app/certs"));
    assertThat(settings.skipTrustBundles()).isFalse();
    assertThat(settings.tlsPorts()).containsExactly(443, 8443);
    assertThat(settings.serverName()).contains("www.example.com");
    assertThat(settings.scanEvery()).isEqualTo(Duration.ofMinutes(90));
    assertThat(settings.maxFileBytes()).isEqualTo(65536);
    assertThat(settings.maxCertificates()).isEqualTo(200);
  }

  @Test
  void anEmptyServerNameMeansTheHostnameAndDiscoveryCanBeTurnedOff() throws Exception {
    CertificateSettings settings =
        load("[certificates]\nenabled = false\nserver_name = \"\"\npaths = []\n").certificates();

    assertThat(settings.enabled()).isFalse();
    assertThat(settings.serverName()).isEqualTo(Optional.empty());
    assertThat(settings.paths()).isEmpty();
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(
      delimiter = '|',
      textBlock =
          """
          enabled = "yes"              | [certificates] enabled must be true or false, got "yes"
          paths = "/etc/ssl"           | [certificates] paths must be a list of absolute paths in quotes [ … ], got "/etc/ssl"
          paths = ["etc/ssl"]          | [certificates] paths must list absolute paths in quotes, got "etc/ssl"
          skip_trust_bundles = 1       | [certificates] skip_trust_bundles must be true or false, got 1
          tls_ports = [443, 70000]     | [certificates] tls_ports must list port numbers from 1 to 65535, got 70000
          tls_ports = ["443"]          | [certificates] tls_ports must list port numbers from 1 to 65535, got "443"
          server_name = "10.0.0.1"     | [certificates] server_name must be a host name such as "www.example.com" (an IP address cannot be sent as SNI), got "10.0.0.1"
          server_name = "a b"          | [certificates] server_name must be a host name such as "www.example.com" (an IP address cannot be sent as SNI), got "a b"
          scan_every = "5m"            | [certificates] scan_every must be between 10m and 30d, got "5m"
          scan_every = "6 hours"       | [certificates] scan_every must be a duration such as "6h", "90m" or "1h30m", got "6 hours"
          scan_every = 21600           | [certificates] scan_every must be a string in quotes, got 21600
          max_file_bytes = 100         | [certificates] max_file_bytes must be a whole number from 1024 to 4194304, got 100
          max_certificates = 6000      | [certificates] max_certificates must be a whole number from 1 to 5000, got 6000
          max_certificates = 0         | [certificates] max_certificates must be a whole number from 1 to 5000, got 0
          scan_interval = "6h"         | unknown key 'scan_interval' (at certificates.scan_interval)
          """)
  void refusesAWrongValueNamingItsKey(String line, String message) throws Exception {
    assertThatThrownBy(() -> load("[certificates]\n" + line + "\n"))
        .isInstanceOf(AgentConfig.InvalidConfigException.class)
        .hasMessageContaining(message);
  }

  private AgentConfig load(String toml) throws Exception {
    Path file = Files.writeString(dir.resolve("agent.toml"), toml);
    return AgentConfig.load(Optional.of(file), ENV);
  }
}
