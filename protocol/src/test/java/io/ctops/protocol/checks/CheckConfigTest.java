package io.ctops.protocol.checks;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ctops.protocol.checks.CheckConfig.InvalidCheckException;
import java.time.Duration;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class CheckConfigTest {
  @Test
  void readsTheOriginalAgentsKeysWithTheirDefaults() {
    assertThat(CheckConfig.read("port", Map.of("host", "db1", "port", 5432L), true))
        .isEqualTo(new CheckConfig.Port("db1", 5432, Duration.ofSeconds(10)));
    assertThat(CheckConfig.read("port", Map.of("port", "22"), true))
        .as("a port given as a string, the host defaulting to this one")
        .isEqualTo(new CheckConfig.Port("127.0.0.1", 22, Duration.ofSeconds(10)));
    assertThat(CheckConfig.read("process", Map.of("process_name", "nginx"), true))
        .isEqualTo(
            new CheckConfig.Process(
                "nginx", 1, OptionalInt.empty(), false, Duration.ofSeconds(10)));
    CheckConfig.Http http =
        (CheckConfig.Http)
            CheckConfig.read(
                "http", Map.of("url", "https://example.test/health", "expected_status", 204), true);
    assertThat(http.expectedStatus()).isEqualTo(204);
    assertThat(http.verifyTls()).isTrue();
    assertThat(http.followRedirects()).isFalse();
    assertThat(
            CheckConfig.read(
                "certificate",
                Map.of(
                    "host",
                    "example.test",
                    "server_name",
                    "www.example.test",
                    "timeout_seconds",
                    5),
                true))
        .isEqualTo(
            new CheckConfig.Certificate(
                "example.test", 443, Optional.of("www.example.test"), Duration.ofSeconds(5)));
    assertThat(CheckConfig.read("cert_file", Map.of("file_path", "/etc/ssl/a.pem"), true))
        .isEqualTo(
            new CheckConfig.CertFile(
                "/etc/ssl/a.pem",
                "pem",
                Optional.empty(),
                Optional.empty(),
                Duration.ofSeconds(10)));
  }

  @Test
  void readsTheAccountAndKeyScansWithTheOriginalAgentsDefaults() {
    assertThat(CheckConfig.read("service_account", Map.of(), true))
        .isEqualTo(new CheckConfig.ServiceAccount(1000, 60000, Duration.ofSeconds(10)));
    assertThat(
            CheckConfig.read(
                "service_account",
                Map.of("min_human_uid", 500, "max_human_uid", 4_294_967_295L),
                true))
        .as("the largest uid there is")
        .isEqualTo(new CheckConfig.ServiceAccount(500, 4_294_967_295L, Duration.ofSeconds(10)));
    assertThat(
            CheckConfig.read(
                "ssh_key_scan",
                Map.of("scan_paths", List.of("/srv/keys"), "skip_paths", List.of("/home/old")),
                true))
        .isEqualTo(
            new CheckConfig.SshKeyScan(
                List.of("/srv/keys"), List.of("/home/old"), Duration.ofSeconds(10)));
    assertThat(CheckConfig.read("ssh_key_scan", Map.of(), true))
        .isEqualTo(new CheckConfig.SshKeyScan(List.of(), List.of(), Duration.ofSeconds(10)));
  }

  @Test
  void theAgentIgnoresKeysItDoesNotKnowTheServerRefusesThem() {
    Map<String, Object> config = Map.of("port", 22, "retries", 3);

    assertThat(CheckConfig.read("port", config, false)).isInstanceOf(CheckConfig.Port.class);
    assertThatThrownBy(() -> CheckConfig.read("port", config, true))
        .isInstanceOf(InvalidCheckException.class)
        .hasMessage("a port check does not take retries");
  }

  static Stream<Arguments> mistakes() {
    return Stream.of(
        Arguments.of("port", Map.of("port", 70000), "port is between 1 and 65535"),
        Arguments.of("port", Map.of("port", 0), "port is between 1 and 65535"),
        Arguments.of("port", Map.of("host", "db1"), "a port check needs port (1-65535)"),
        Arguments.of("port", Map.of("port", 22.5), "port is a whole number"),
        Arguments.of(
            "port", Map.of("port", 22, "host", "a b"), "host is a host name or an IP address"),
        Arguments.of(
            "port",
            Map.of("port", 22, "timeout_seconds", 0),
            "timeout_seconds is between 1 and 300"),
        Arguments.of("process", Map.of(), "a process check needs process_name"),
        Arguments.of(
            "process",
            Map.of("process_name", "x", "min_count", 3, "max_count", 2),
            "max_count cannot be below min_count"),
        Arguments.of(
            "http",
            Map.of("url", "not a url"),
            "url is not a valid address: Illegal character in path"),
        Arguments.of(
            "http", Map.of("url", "ftp://x/"), "url is an http:// or https:// address with a host"),
        Arguments.of(
            "http",
            Map.of("url", "http://x/", "body_regex", "(unclosed"),
            "body_regex is not a valid regular expression: Unclosed group"),
        Arguments.of(
            "http",
            Map.of("url", "http://x/", "expected_status", 99),
            "expected_status is between 100 and 599"),
        Arguments.of(
            "http", Map.of("url", "http://x/", "verify_tls", "no"), "verify_tls is true or false"),
        Arguments.of("certificate", Map.of("port", 443), "a certificate check needs host"),
        Arguments.of(
            "cert_file",
            Map.of("file_path", "relative.pem"),
            "file_path is an absolute path (starting with /)"),
        Arguments.of(
            "cert_file",
            Map.of("file_path", "/a.p12", "format", "der"),
            "format is one of pem, pkcs12, jks"),
        Arguments.of(
            "service",
            Map.of("unit", "nginx; rm -rf /"),
            "unit is a systemd unit name (letters, digits and : _ . @ \\ -), e.g. nginx.service"),
        Arguments.of(
            "file",
            Map.of("path", "/tmp/x", "must_exist", false, "max_bytes", 10),
            "modified_within_minutes and max_bytes apply only to a file that must exist"),
        Arguments.of(
            "service_account",
            Map.of("min_human_uid", 2000, "max_human_uid", 1000),
            "min_human_uid cannot be above max_human_uid"),
        Arguments.of(
            "service_account",
            Map.of("max_human_uid", 4_294_967_296L),
            "max_human_uid is between 0 and 4294967295"),
        Arguments.of(
            "service_account",
            Map.of("min_human_uid", -1),
            "min_human_uid is between 0 and 4294967295"),
        Arguments.of(
            "ssh_key_scan",
            Map.of("scan_paths", List.of("/srv/keys", "home/alice")),
            "scan_paths is a list of absolute paths (each starting with /)"),
        Arguments.of(
            "ssh_key_scan",
            Map.of("skip_paths", "/srv/keys"),
            "skip_paths is a list of absolute paths"),
        Arguments.of(
            "ssh_key_scan",
            Map.of("scan_paths", Collections.nCopies(65, "/srv/keys")),
            "scan_paths names at most 64 paths"),
        Arguments.of(
            "ssh_key_scan",
            Map.of("scan_paths", List.of("/srv"), "max_keys", 5),
            "a ssh_key_scan check does not take max_keys"),
        Arguments.of(
            "shell",
            Map.of("command", "id"),
            "unknown check type \"shell\": one of port, process, http, certificate, cert_file, service, file,"
                + " service_account, ssh_key_scan"),
        Arguments.of(
            "",
            Map.of(),
            "a check needs a type: one of port, process, http, certificate, cert_file, service, file,"
                + " service_account, ssh_key_scan"));
  }

  @ParameterizedTest(name = "{0} {1}")
  @MethodSource("mistakes")
  void aMistakeIsRefusedNamingIt(String type, Map<String, Object> config, String message) {
    assertThatThrownBy(() -> CheckConfig.read(type, config, true))
        .isInstanceOf(InvalidCheckException.class)
        .hasMessage(message);
  }

  @Test
  void theIntervalIsBetweenTenSecondsAndADayAndHoldsOneRun() {
    CheckConfig port = CheckConfig.read("port", Map.of("port", 22, "timeout_seconds", 30), true);

    CheckConfig.checkInterval(30, port);
    CheckConfig.checkInterval(86_400, port);
    assertThatThrownBy(() -> CheckConfig.checkInterval(9, port))
        .hasMessage("the interval is between 10 seconds and 24 hours (86400 seconds)");
    assertThatThrownBy(() -> CheckConfig.checkInterval(86_401, port))
        .hasMessageStartingWith("the interval is between");
    assertThatThrownBy(() -> CheckConfig.checkInterval(20, port))
        .hasMessage("timeout_seconds cannot be longer than the interval");
  }
}
