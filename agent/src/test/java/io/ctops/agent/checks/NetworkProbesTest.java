package io.ctops.agent.checks;

import static io.ctops.agent.checks.CheckFixtures.config;
import static io.ctops.agent.testing.TestCertificates.aCertificate;
import static org.assertj.core.api.Assertions.assertThat;

import io.ctops.agent.testing.TestCertificates.Issued;
import io.ctops.agent.text.Json;
import io.ctops.protocol.checks.CheckConfig;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The port, http and certificate checks against sockets and web servers the test runs. */
class NetworkProbesTest {
  private final Probes probes = new Probes(null, Path.of("/"), Clock.systemUTC());

  @AfterEach
  void close() {
    probes.close();
  }

  @Test
  void portPassesWhileSomethingListensAndFailsOnceItStops() throws Exception {
    int port;
    try (ServerSocket listening = new ServerSocket(0)) {
      port = listening.getLocalPort();
      Outcome open = run("port", "{\"host\": \"127.0.0.1\", \"port\": " + port + "}");
      assertThat(open.status()).isEqualTo(Outcome.Status.PASS);
      assertThat(open.output()).matches("connected to 127\\.0\\.0\\.1:" + port + " in \\d+ ms");
    }

    Outcome closed = run("port", "{\"port\": " + port + ", \"timeout_seconds\": 2}");

    assertThat(closed.status()).isEqualTo(Outcome.Status.FAIL);
    assertThat(closed.output()).isEqualTo("connection refused");
  }

  @Test
  void portFailsForAHostNameThatDoesNotResolve() throws Exception {
    Outcome outcome = run("port", "{\"host\": \"no-such-host.invalid\", \"port\": 443}");

    assertThat(outcome.status()).isEqualTo(Outcome.Status.FAIL);
    assertThat(outcome.output()).isEqualTo("unknown host no-such-host.invalid");
  }

  @Test
  void httpPassesOnTheExpectedStatusAndReportsItsLatency() throws Exception {
    try (TestWebServer web = TestWebServer.http()) {
      Outcome ok = run("http", "{\"url\": \"" + web.url("/ok") + "\"}");
      Outcome down = run("http", "{\"url\": \"" + web.url("/down") + "\"}");
      Outcome expectedDown =
          run("http", "{\"url\": \"" + web.url("/down") + "\", \"expected_status\": 503}");

      assertThat(ok.status()).isEqualTo(Outcome.Status.PASS);
      assertThat(ok.output()).matches("HTTP 200 in \\d+ ms");
      assertThat(ok.latency()).isPresent();
      assertThat(ok.output()).isEqualTo("HTTP 200 in " + ok.latency().get().toMillis() + " ms");
      assertThat(down.status()).isEqualTo(Outcome.Status.FAIL);
      assertThat(down.output()).matches("HTTP 503 in \\d+ ms, expected 200");
      assertThat(expectedDown.status()).isEqualTo(Outcome.Status.PASS);
    }
  }

  @Test
  void httpFollowsRedirectsOnlyWhenAsked() throws Exception {
    try (TestWebServer web = TestWebServer.http()) {
      String url = web.url("/moved").toString();

      assertThat(run("http", "{\"url\": \"" + url + "\"}").output())
          .matches("HTTP 302 in \\d+ ms, expected 200");
      assertThat(run("http", "{\"url\": \"" + url + "\", \"follow_redirects\": true}").status())
          .isEqualTo(Outcome.Status.PASS);
    }
  }

  @Test
  void httpLooksForTextAndPatternsInTheFirstMebibyteOfTheBody() throws Exception {
    try (TestWebServer web = TestWebServer.http()) {
      String ok = web.url("/ok").toString();

      Outcome contains = run("http", "{\"url\": \"" + ok + "\", \"body_contains\": \"systems\"}");
      Outcome missing = run("http", "{\"url\": \"" + ok + "\", \"body_contains\": \"outage\"}");
      Outcome matches = run("http", "{\"url\": \"" + ok + "\", \"body_regex\": \"^all \\\\w+\"}");
      Outcome unmatched = run("http", "{\"url\": \"" + ok + "\", \"body_regex\": \"[0-9]+\"}");
      Outcome beyond =
          run("http", "{\"url\": \"" + web.url("/big") + "\", \"body_contains\": \"needle\"}");

      assertThat(contains.status()).isEqualTo(Outcome.Status.PASS);
      assertThat(missing.status()).isEqualTo(Outcome.Status.FAIL);
      assertThat(missing.output()).endsWith(", body does not contain \"outage\"");
      assertThat(matches.status()).isEqualTo(Outcome.Status.PASS);
      assertThat(unmatched.output()).endsWith(", body does not match /[0-9]+/");
      assertThat(beyond.status()).isEqualTo(Outcome.Status.FAIL);
      assertThat(beyond.output()).endsWith("body does not contain \"needle\"");
    }
  }

  @Test
  void httpFailsWithTheTimeoutWhenTheServerNeverAnswers() throws Exception {
    try (TestWebServer web = TestWebServer.http()) {
      long start = System.nanoTime();
      Outcome outcome =
          run("http", "{\"url\": \"" + web.url("/hang") + "\", \"timeout_seconds\": 1}");

      assertThat(outcome.status()).isEqualTo(Outcome.Status.FAIL);
      assertThat(outcome.output()).isEqualTo("timed out after 1 s");
      assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(5));
    }
  }

  @Test
  void httpsVerifiesTheServerUnlessVerifyTlsIsFalseForThatCheckOnly() throws Exception {
    // Issued for another name: not trusted, and not this address either.
    Issued certificate = aCertificate("CN=other.example").withDns("other.example").selfSigned();
    try (TestWebServer web = TestWebServer.https(certificate)) {
      String url = web.url("/ok").toString();

      Outcome verified = run("http", "{\"url\": \"" + url + "\"}");
      Outcome unverified = run("http", "{\"url\": \"" + url + "\", \"verify_tls\": false}");
      Outcome verifiedAgain = run("http", "{\"url\": \"" + url + "\", \"verify_tls\": true}");

      assertThat(verified.status()).isEqualTo(Outcome.Status.FAIL);
      assertThat(verified.output())
          .isEqualTo("TLS handshake failed: the server's certificate is not trusted by this host");
      assertThat(unverified.status()).isEqualTo(Outcome.Status.PASS);
      assertThat(unverified.output()).matches("HTTP 200 in \\d+ ms");
      assertThat(verifiedAgain.status()).isEqualTo(Outcome.Status.FAIL);
    }
  }

  @Test
  void certificateReadsTheServedChainWithTheServerNameAsSni() throws Exception {
    Issued certificate =
        aCertificate("CN=localhost")
            .withDns("localhost")
            .withIp("127.0.0.1")
            .validFor(Duration.ofDays(90))
            .selfSigned();
    try (TestWebServer web = TestWebServer.https(certificate)) {
      Outcome outcome =
          run(
              "certificate",
              "{\"host\": \"127.0.0.1\", \"port\": "
                  + web.port()
                  + ", \"server_name\": \"shop.example\"}");

      assertThat(outcome.status()).isEqualTo(Outcome.Status.PASS);
      Map<?, ?> json = (Map<?, ?>) Json.parse(outcome.output());
      assertThat(json.get("not_after"))
          .isEqualTo(certificate.certificate().getNotAfter().toInstant().toString());
      assertThat(json.get("fingerprint_sha256")).isEqualTo(sha256(certificate));
      assertThat(json.get("sans")).isEqualTo(List.of("localhost", "127.0.0.1"));
      assertThat(json.get("is_self_signed")).isEqualTo(true);
      assertThat(json.get("host")).isEqualTo("127.0.0.1");
      assertThat(json.get("port")).isEqualTo((long) web.port());
      assertThat(json.get("server_name")).isEqualTo("shop.example");
      assertThat(web.sniNames()).containsExactly("shop.example");
    }
  }

  @Test
  void certificateFailsWithTheChainWhenTheLeafHasExpired() throws Exception {
    Issued expired =
        aCertificate("CN=localhost")
            .withDns("localhost")
            .validBetween(Instant.now().minus(Duration.ofDays(60)), Instant.now().minusSeconds(60))
            .selfSigned();
    try (TestWebServer web = TestWebServer.https(expired)) {
      Outcome outcome =
          run("certificate", "{\"host\": \"localhost\", \"port\": " + web.port() + "}");

      assertThat(outcome.status()).isEqualTo(Outcome.Status.FAIL);
      Map<?, ?> json = (Map<?, ?>) Json.parse(outcome.output());
      assertThat(json.get("fingerprint_sha256")).isEqualTo(sha256(expired));
      assertThat(json.get("server_name")).isEqualTo("localhost");
      assertThat(web.sniNames()).containsExactly("localhost");
    }
  }

  @Test
  void certificateFailsInWordsWhenNothingAnswers() throws Exception {
    int port;
    try (ServerSocket listening = new ServerSocket(0)) {
      port = listening.getLocalPort();
    }

    Outcome outcome = run("certificate", "{\"host\": \"127.0.0.1\", \"port\": " + port + "}");

    assertThat(outcome.status()).isEqualTo(Outcome.Status.FAIL);
    assertThat(outcome.output()).isEqualTo("connection refused");
  }

  private Outcome run(String type, String json) throws InterruptedException {
    CheckConfig config = config(type, json);
    return probes.run(config);
  }

  private static String sha256(Issued issued) throws Exception {
    return HexFormat.of()
        .formatHex(MessageDigest.getInstance("SHA-256").digest(issued.certificate().getEncoded()));
  }
}
