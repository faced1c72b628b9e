package io.ctops.server.platform.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ctops.server.platform.pki.DevelopmentCertificate;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ServerSettingsTest {
  @TempDir Path dir;

  @Test
  void defaultsMatchTheDocumentedPortsAndDataDir() {
    ServerSettings settings = ServerSettings.from(env("CT_OPS_DATA_DIR", dir.toString()));

    assertThat(settings.ingest().grpcPort()).isEqualTo(9443);
    assertThat(settings.ingest().httpPort()).isEqualTo(8080);
    assertThat(settings.web().httpPort()).isEqualTo(3000);
    assertThat(settings.ingest().agentDownloadBaseUrl()).isEqualTo("http://localhost:3000");
    assertThat(settings.ingest().jwtKeyFile()).isEqualTo(dir.resolve("jwt_key.pem"));
    assertThat(settings.metricsRetentionDays()).isEqualTo(30);
    assertThat(settings.database().isEmbedded()).isTrue();
    assertThat(settings.database().embeddedRoot()).isEqualTo(dir.resolve("pg"));
    assertThat(settings.ingest().tls()).isEmpty();
  }

  @Test
  void aMalformedPortNamesTheVariable() {
    assertProblem(
        env("INGEST_GRPC_PORT", "abc"), "INGEST_GRPC_PORT: must be a whole number, got 'abc'");
    assertProblem(env("INGEST_HTTP_PORT", "70000"), "INGEST_HTTP_PORT: must be a TCP port");
    assertProblem(
        env("WEB_HTTP_PORT", "9443"), "WEB_HTTP_PORT: uses port 9443, which INGEST_GRPC_PORT");
    assertProblem(env("METRICS_RETENTION_DAYS", "0"), "METRICS_RETENTION_DAYS: must be at least 1");
    assertProblem(
        env("INGEST_AGENT_DOWNLOAD_BASE_URL", "ftp://x"),
        "INGEST_AGENT_DOWNLOAD_BASE_URL: must be an absolute http(s) URL");
  }

  @Test
  void tlsFilesMustExistParseAndComeInPairs() throws Exception {
    Path cert = dir.resolve("server.crt");
    Path key = dir.resolve("server.key");
    DevelopmentCertificate.create(Set.of("localhost")).writeTo(cert, key);
    Path garbage = Files.writeString(dir.resolve("garbage.key"), "not a key\n");

    ServerSettings good =
        ServerSettings.from(
            env("INGEST_TLS_CERT", cert.toString(), "INGEST_TLS_KEY", key.toString()));
    assertThat(good.ingest().tls()).contains(new IngestSettings.TlsFiles(cert, key));

    assertProblem(
        env("INGEST_TLS_CERT", cert.toString()),
        "INGEST_TLS_KEY: is required when INGEST_TLS_CERT is set");
    assertProblem(
        env(
            "INGEST_TLS_CERT",
            cert.toString(),
            "INGEST_TLS_KEY",
            dir.resolve("missing.key").toString()),
        "INGEST_TLS_KEY: file " + dir.resolve("missing.key") + " does not exist");
    assertProblem(
        env("INGEST_TLS_CERT", cert.toString(), "INGEST_TLS_KEY", garbage.toString()),
        "INGEST_TLS_KEY: " + garbage + " holds no unencrypted PEM private key");
    assertProblem(
        env("INGEST_TLS_CERT", key.toString(), "INGEST_TLS_KEY", key.toString()),
        "INGEST_TLS_CERT: " + key + " holds no PEM certificate");
  }

  @Test
  void webSettingsAreCheckedAtStart() throws Exception {
    ServerSettings defaults = ServerSettings.from(env());
    assertThat(defaults.web().agentIngestAddress()).isEqualTo("localhost:9443");
    assertThat(defaults.web().sessionIdle()).hasMinutes(120);
    assertThat(defaults.web().isTls()).isFalse();
    assertThat(defaults.web().auditRetention()).hasDays(365);
    assertThat(ServerSettings.from(env("AUDIT_RETENTION_DAYS", "90")).web().auditRetention())
        .hasDays(90);
    assertProblem(env("AUDIT_RETENTION_DAYS", "0"), "AUDIT_RETENTION_DAYS: must be at least 1");
    assertProblem(
        env("AUDIT_RETENTION_DAYS", "40000"), "AUDIT_RETENTION_DAYS: must be at most 36500");
    assertThat(ServerSettings.from(env()).web().alertEvaluationEvery())
        .isEqualTo(Duration.ofSeconds(15));
    assertThat(
            ServerSettings.from(env("ALERT_EVALUATION_SECONDS", "5")).web().alertEvaluationEvery())
        .isEqualTo(Duration.ofSeconds(5));
    assertProblem(
        env("ALERT_EVALUATION_SECONDS", "0"), "ALERT_EVALUATION_SECONDS: must be at least 1");
    assertProblem(
        env("ALERT_EVALUATION_SECONDS", "7200"), "ALERT_EVALUATION_SECONDS: must be at most 3600");

    Path cert = dir.resolve("web.crt");
    Path key = dir.resolve("web.key");
    DevelopmentCertificate.create(Set.of("localhost")).writeTo(cert, key);
    assertThat(
            ServerSettings.from(env("WEB_TLS_CERT", cert.toString(), "WEB_TLS_KEY", key.toString()))
                .web()
                .isTls())
        .isTrue();
    assertProblem(
        env("WEB_TLS_CERT", cert.toString()), "WEB_TLS_KEY: is required when WEB_TLS_CERT is set");
    assertProblem(
        env("WEB_TLS_CERT", key.toString(), "WEB_TLS_KEY", key.toString()),
        "WEB_TLS_CERT: " + key + " holds no PEM certificate");
    assertProblem(
        env("WEB_SESSION_IDLE_MINUTES", "0"), "WEB_SESSION_IDLE_MINUTES: must be at least 1");
    assertProblem(
        env("WEB_SESSION_IDLE_MINUTES", "20000"),
        "WEB_SESSION_IDLE_MINUTES: must be at most 10080");
    assertProblem(
        env("WEB_AGENT_INGEST_ADDRESS", "ingest.example"),
        "WEB_AGENT_INGEST_ADDRESS: must be host:port");
    assertThatThrownBy(() -> ServerSettings.forWebOnly(env()))
        .isInstanceOf(ConfigException.class)
        .hasMessageStartingWith("DATABASE_URL: is required for ctops web");
  }

  @Test
  void anUnreadableJwtKeyFileIsAStartupError() throws Exception {
    Path key = Files.writeString(dir.resolve("jwt.pem"), "-----BEGIN NONSENSE-----\n");

    assertProblem(env("INGEST_JWT_KEY_FILE", key.toString()), "INGEST_JWT_KEY_FILE: " + key);
  }

  @Test
  void databaseUrlsInLibpqAndJdbcForm() {
    DatabaseUrl libpq =
        DatabaseUrl.parse("postgres://ct%40ops:p%3Ass@db.example:6543/fleet?sslmode=require");
    assertThat(libpq.jdbcUrl())
        .isEqualTo("jdbc:postgresql://db.example:6543/fleet?sslmode=require");
    assertThat(libpq.user()).isEqualTo("ct@ops");
    assertThat(libpq.password()).isEqualTo("p:ss");
    assertThat(libpq.display()).isEqualTo("jdbc:postgresql://db.example:6543/fleet");
    assertThat(DatabaseUrl.parse("postgresql://h/db").jdbcUrl())
        .isEqualTo("jdbc:postgresql://h:5432/db");
    assertThat(DatabaseUrl.parse("jdbc:postgresql://h/db").jdbcUrl())
        .isEqualTo("jdbc:postgresql://h/db");

    assertProblem(env("DATABASE_URL", "mysql://h/db"), "DATABASE_URL: must start with postgres://");
    assertProblem(env("DATABASE_URL", "postgres://h"), "DATABASE_URL: names no database");
    assertProblem(env("DATABASE_URL", "postgres://h:x/db"), "DATABASE_URL:");
  }

  private static void assertProblem(Environment env, String message) {
    assertThatThrownBy(() -> ServerSettings.from(env))
        .isInstanceOf(ConfigException.class)
        .hasMessageStartingWith(message)
        .satisfies(e -> assertThat(e.getMessage()).doesNotContain("\n"));
  }

  private Environment env(String... pairs) {
    Map<String, String> map = new HashMap<>();
    map.put("CT_OPS_DATA_DIR", dir.toString());
    for (int i = 0; i < pairs.length; i += 2) {
      map.put(pairs[i], pairs[i + 1]);
    }
    return new Environment(map);
  }
}
