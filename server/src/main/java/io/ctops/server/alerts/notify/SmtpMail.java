package io.ctops.server.alerts.notify;

import jakarta.mail.Address;
import jakarta.mail.Message;
import jakarta.mail.MessagingException;
import jakarta.mail.Session;
import jakarta.mail.internet.InternetAddress;
import jakarta.mail.internet.MimeMessage;
import java.nio.charset.StandardCharsets;
import java.util.Date;
import java.util.List;
import java.util.Properties;
import javax.net.ssl.SSLSocketFactory;
import org.eclipse.angus.mail.smtp.SMTPTransport;

/**
 * Sends one plain-text message over SMTP with Jakarta Mail: STARTTLS (required, never silently
 * skipped) or implicit TLS, the server's name checked against its certificate, login when a
 * username is set, and the same connect and read limits as the webhooks.
 */
final class SmtpMail {
  private final SSLSocketFactory tls;

  /** {@code tls} makes the TLS connections: the JVM's default trusts the usual authorities. */
  SmtpMail(SSLSocketFactory tls) {
    this.tls = tls;
  }

  static SmtpMail withDefaultTrust() {
    return new SmtpMail((SSLSocketFactory) SSLSocketFactory.getDefault());
  }

  DeliveryOutcome send(
      SmtpSettings settings, List<String> recipients, String subject, String text, long start) {
    Session session = Session.getInstance(properties(settings));
    SMTPTransport transport = null;
    try {
      MimeMessage message = new MimeMessage(session);
      message.setFrom(new InternetAddress(settings.fromAddress(), true));
      Address[] to = new Address[recipients.size()];
      for (int i = 0; i < to.length; i++) {
        to[i] = new InternetAddress(recipients.get(i), true);
      }
      message.setRecipients(Message.RecipientType.TO, to);
      message.setSubject(subject, StandardCharsets.UTF_8.name());
      message.setText(text, StandardCharsets.UTF_8.name());
      message.setSentDate(new Date());
      transport = (SMTPTransport) session.getTransport("smtp");
      transport.connect(
          settings.host(),
          settings.port(),
          settings.username().orElse(null),
          settings.password().orElse(null));
      transport.sendMessage(message, to);
      return new DeliveryOutcome(true, null, reply(transport), "", Delivery.since(start));
    } catch (MessagingException e) {
      String reply = transport == null ? null : reply(transport);
      return new DeliveryOutcome(false, null, reply, describe(e), Delivery.since(start));
    } finally {
      if (transport != null) {
        try {
          transport.close();
        } catch (MessagingException e) {
          // the message went (or failed) already; a failed QUIT changes nothing
        }
      }
    }
  }

  private Properties properties(SmtpSettings settings) {
    Properties p = new Properties();
    p.put("mail.smtp.host", settings.host());
    p.put("mail.smtp.port", Integer.toString(settings.port()));
    p.put("mail.smtp.connectiontimeout", Long.toString(Delivery.CONNECT_TIMEOUT.toMillis()));
    p.put("mail.smtp.timeout", Long.toString(Delivery.REQUEST_TIMEOUT.toMillis()));
    p.put("mail.smtp.writetimeout", Long.toString(Delivery.REQUEST_TIMEOUT.toMillis()));
    p.put("mail.smtp.auth", Boolean.toString(settings.username().isPresent()));
    switch (settings.security()) {
      case SmtpSettings.TLS -> p.put("mail.smtp.ssl.enable", "true");
      case SmtpSettings.STARTTLS -> {
        p.put("mail.smtp.starttls.enable", "true");
        p.put("mail.smtp.starttls.required", "true");
      }
      default -> {}
    }
    if (!settings.security().equals(SmtpSettings.NONE)) {
      p.put("mail.smtp.ssl.socketFactory", tls);
      p.put("mail.smtp.ssl.checkserveridentity", "true");
    }
    return p;
  }

  private static String reply(SMTPTransport transport) {
    String last = transport.getLastServerResponse();
    return last == null || last.isBlank() ? null : clip(last.strip());
  }

  private static String describe(MessagingException e) {
    StringBuilder text = new StringBuilder(String.valueOf(e.getMessage()).strip());
    Throwable cause = e.getCause();
    if (cause != null && cause.getMessage() != null) {
      text.append(" (").append(cause.getMessage().strip()).append(')');
    }
    return clip(text.toString().replaceAll("\\s+", " "));
  }

  private static String clip(String text) {
    return text.length() > 500 ? text.substring(0, 500) + "…" : text;
  }
}
