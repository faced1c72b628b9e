package io.ctops.server.alerts.notify;

import static org.assertj.core.api.Assertions.assertThat;

import com.icegreen.greenmail.configuration.GreenMailConfiguration;
import com.icegreen.greenmail.junit5.GreenMailExtension;
import com.icegreen.greenmail.util.ServerSetup;
import com.icegreen.greenmail.util.ServerSetupTest;
import io.ctops.server.platform.config.NotificationSettings;
import io.ctops.server.platform.pki.DevelopmentCertificate;
import io.ctops.server.testing.FreshDatabase;
import jakarta.mail.internet.MimeMessage;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocketFactory;
import javax.net.ssl.TrustManagerFactory;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.jdbi.v3.core.Jdbi;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Email channels against a real SMTP server (GreenMail): login, implicit TLS with the server's
 * certificate checked, the environment's settings over the saved ones, and the server's reply in
 * the delivery log.
 */
@ExtendWith(FreshDatabase.class)
class EmailChannelTest {
  private static final String USER = "alerts";
  private static final String PASSWORD = "mail-password";
  private static final DevelopmentCertificate CERTIFICATE =
      DevelopmentCertificate.create(Set.of("localhost"));

  static {
    // the SMTP server's TLS key: ours, so the client can check it like a real server's
    System.setProperty("greenmail.tls.keystore.file", keystore().toString());
    System.setProperty("greenmail.tls.keystore.password", "changeit");
  }

  @RegisterExtension
  static final GreenMailExtension MAIL =
      new GreenMailExtension(
              new ServerSetup[] {
                ServerSetupTest.SMTP.dynamicPort(), ServerSetupTest.SMTPS.dynamicPort()
              })
          .withConfiguration(GreenMailConfiguration.aConfig().withUser(USER, USER, PASSWORD));

  private static X509Certificate certificate() {
    try {
      return new JcaX509CertificateConverter().getCertificate(CERTIFICATE.certificate());
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  private static Path keystore() {
    try {
      KeyStore store = KeyStore.getInstance("PKCS12");
      store.load(null, null);
      store.setKeyEntry(
          "greenmail",
          CERTIFICATE.keyPair().getPrivate(),
          "changeit".toCharArray(),
          new java.security.cert.Certificate[] {certificate()});
      Path file = Files.createTempFile("smtp-test", ".p12");
      try (OutputStream out = Files.newOutputStream(file)) {
        store.store(out, "changeit".toCharArray());
      }
      file.toFile().deleteOnExit();
      return file;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  /** TLS that trusts exactly the test server's certificate. */
  private static SSLSocketFactory trustingTheTestServer() throws Exception {
    KeyStore trust = KeyStore.getInstance("PKCS12");
    trust.load(null, null);
    trust.setCertificateEntry("smtp", certificate());
    TrustManagerFactory factory =
        TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    factory.init(trust);
    SSLContext context = SSLContext.getInstance("TLS");
    context.init(null, factory.getTrustManagers(), null);
    return context.getSocketFactory();
  }

  private static void saveSmtp(Jdbi jdbi, UUID org, SmtpSettings settings) {
    jdbi.useHandle(h -> SmtpSettingsStore.save(h, org, null, settings));
  }

  private static OutboxWorker worker(Jdbi jdbi, NotificationSettings env, SSLSocketFactory tls) {
    SmtpSettingsStore smtp = new SmtpSettingsStore(jdbi, env);
    return new OutboxWorker(
        jdbi, new Delivery(smtp, new SmtpMail(tls)), Clock.systemUTC(), Duration.ofMinutes(1), 2);
  }

  private static void dispatchNow(Jdbi jdbi) {
    new NoticeDispatcher(jdbi, Clock.systemUTC(), Duration.ofSeconds(1), () -> {}).dispatch();
  }

  @Test
  void sendsOneMailNamingTheHostsWithALogin(Jdbi jdbi) throws Exception {
    AlertSeed seed = new AlertSeed(jdbi);
    UUID rule = seed.rule("Host offline");
    UUID channel = seed.email("on-call", "oncall@example.com", "lead@example.com");
    seed.route(rule, channel);
    seed.notices(rule, seed.firingHosts(rule, "db", 3), "firing", 5);
    saveSmtp(
        jdbi,
        seed.orgId,
        new SmtpSettings(
            "127.0.0.1",
            MAIL.getSmtp().getPort(),
            SmtpSettings.NONE,
            Optional.of(USER),
            Optional.of(PASSWORD),
            "ct-ops@example.com"));
    dispatchNow(jdbi);
    try (OutboxWorker worker =
        worker(jdbi, NotificationSettings.defaults(), trustingTheTestServer())) {
      assertThat(worker.deliverDue()).isEqualTo(1);
    }

    MimeMessage[] received = MAIL.getReceivedMessages();
    assertThat(received).hasSize(2); // one message, two recipients
    assertThat(received[0].getSubject())
        .isEqualTo("[CT-Ops] FIRING: Host offline (critical) on 3 hosts");
    assertThat(received[0].getFrom()[0].toString()).isEqualTo("ct-ops@example.com");
    String body = ((String) received[0].getContent());
    assertThat(body).contains("db-00001 (42.50), db-00002 (42.50), db-00003 (42.50)");
    assertThat(body).contains("Runbook: https://runbooks.example.com/offline");
    assertThat(seed.count("SELECT count(*) FROM notification_outbox WHERE state = 'sent'"))
        .isEqualTo(1);
    String reply =
        jdbi.withHandle(
            h ->
                h.createQuery("SELECT smtp_reply FROM notification_deliveries")
                    .mapTo(String.class)
                    .one());
    assertThat(reply).startsWith("250");
  }

  @Test
  void sendsOverImplicitTlsToAServerWhoseCertificateItTrusts() throws Exception {
    SmtpSettings tls =
        new SmtpSettings(
            "localhost",
            MAIL.getSmtps().getPort(),
            SmtpSettings.TLS,
            Optional.of(USER),
            Optional.of(PASSWORD),
            "ct-ops@example.com");
    SmtpMail trusting = new SmtpMail(trustingTheTestServer());
    DeliveryOutcome sent =
        trusting.send(tls, List.of("oncall@example.com"), "subject", "text", System.nanoTime());
    assertThat(sent.delivered()).as(sent.summary()).isTrue();
    assertThat(MAIL.getReceivedMessages()).hasSize(1);

    // the JVM's usual trust does not know the test server: refused, and said why
    DeliveryOutcome refused =
        SmtpMail.withDefaultTrust()
            .send(tls, List.of("oncall@example.com"), "subject", "text", System.nanoTime());
    assertThat(refused.delivered()).isFalse();
    assertThat(refused.detail()).containsIgnoringCase("certific");
    assertThat(MAIL.getReceivedMessages()).hasSize(1);
  }

  @Test
  void starttlsIsRequiredNeverSkippedWhenTheServerDoesNotOfferIt() throws Exception {
    // the test server speaks plain SMTP only: asked for STARTTLS, the client refuses to go on
    SmtpSettings starttls =
        new SmtpSettings(
            "localhost",
            MAIL.getSmtp().getPort(),
            SmtpSettings.STARTTLS,
            Optional.of(USER),
            Optional.of(PASSWORD),
            "ct-ops@example.com");
    DeliveryOutcome refused =
        new SmtpMail(trustingTheTestServer())
            .send(starttls, List.of("oncall@example.com"), "subject", "text", System.nanoTime());
    assertThat(refused.delivered()).isFalse();
    assertThat(refused.detail()).containsIgnoringCase("STARTTLS");
    assertThat(MAIL.getReceivedMessages()).isEmpty();
  }

  @Test
  void theEnvironmentsSettingsWinOverTheSavedOnes(Jdbi jdbi) throws Exception {
    AlertSeed seed = new AlertSeed(jdbi);
    UUID rule = seed.rule("Host offline");
    seed.route(rule, seed.email("on-call", "oncall@example.com"));
    seed.notices(rule, seed.firingHosts(rule, "db", 1), "firing", 5);
    // saved: a server that is not there, and a wrong password
    saveSmtp(
        jdbi,
        seed.orgId,
        new SmtpSettings(
            "127.0.0.1",
            1,
            SmtpSettings.NONE,
            Optional.of(USER),
            Optional.of("wrong"),
            "saved@example.com"));
    NotificationSettings env =
        new NotificationSettings(
            Duration.ofSeconds(1),
            Optional.empty(),
            Optional.of(MAIL.getSmtp().getPort()),
            Optional.empty(),
            Optional.empty(),
            Optional.of(PASSWORD),
            Optional.of("env@example.com"));
    dispatchNow(jdbi);
    try (OutboxWorker worker = worker(jdbi, env, trustingTheTestServer())) {
      assertThat(worker.deliverDue()).isEqualTo(1);
    }
    MimeMessage[] received = MAIL.getReceivedMessages();
    assertThat(received).hasSize(1);
    assertThat(received[0].getFrom()[0].toString()).isEqualTo("env@example.com");
    assertThat(received[0].getSubject())
        .isEqualTo("[CT-Ops] FIRING: Host offline (critical) on db-00001");
  }

  @Test
  void aRefusedLoginIsLoggedWithTheServersReplyAndRetried(Jdbi jdbi) throws Exception {
    AlertSeed seed = new AlertSeed(jdbi);
    UUID rule = seed.rule("Host offline");
    seed.route(rule, seed.email("on-call", "oncall@example.com"));
    seed.notices(rule, seed.firingHosts(rule, "db", 1), "firing", 5);
    saveSmtp(
        jdbi,
        seed.orgId,
        new SmtpSettings(
            "127.0.0.1",
            MAIL.getSmtp().getPort(),
            SmtpSettings.NONE,
            Optional.of(USER),
            Optional.of("wrong-password"),
            "ct-ops@example.com"));
    dispatchNow(jdbi);
    try (OutboxWorker worker =
        worker(jdbi, NotificationSettings.defaults(), trustingTheTestServer())) {
      assertThat(worker.deliverDue()).isEqualTo(1);
    }
    assertThat(MAIL.getReceivedMessages()).isEmpty();
    assertThat(seed.count("SELECT count(*) FROM notification_outbox WHERE state = 'pending'"))
        .isEqualTo(1);
    String reply =
        jdbi.withHandle(
            h ->
                h.createQuery(
                        "SELECT coalesce(smtp_reply, '') || ' ' || detail"
                            + " FROM notification_deliveries WHERE outcome = 'failed'")
                    .mapTo(String.class)
                    .one());
    assertThat(reply).contains("535");
  }
}
