package io.ctops.server.alerts.notify;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Optional;
import java.util.UUID;

/**
 * Sends a rendered payload through its channel, once, within fixed limits: a receiver gets {@link
 * #CONNECT_TIMEOUT} to accept the connection and {@link #REQUEST_TIMEOUT} for the whole exchange,
 * so a slow or dead one costs its own attempt and nothing else.
 */
final class Delivery {
  static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(5);
  static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(10);
  private static final ObjectMapper JSON = new ObjectMapper();

  private final HttpClient http =
      HttpClient.newBuilder()
          .connectTimeout(CONNECT_TIMEOUT)
          .followRedirects(HttpClient.Redirect.NEVER)
          .build();
  private final SmtpSettingsStore smtp;
  private final SmtpMail mail;

  Delivery(SmtpSettingsStore smtp, SmtpMail mail) {
    this.smtp = smtp;
    this.mail = mail;
  }

  DeliveryOutcome send(UUID orgId, Channel channel, String payload) {
    long start = System.nanoTime();
    return switch (channel) {
      case WebhookChannel webhook -> {
        byte[] body = payload.getBytes(StandardCharsets.UTF_8);
        yield post(webhook.url(), body, webhook.sign(body), start);
      }
      case SlackChannel slack ->
          post(slack.url(), payload.getBytes(StandardCharsets.UTF_8), null, start);
      case EmailChannel email -> {
        Optional<SmtpSettings> settings = smtp.effective(orgId);
        if (settings.isEmpty()) {
          yield DeliveryOutcome.failed(
              "no SMTP server is configured; set the SMTP settings first", since(start));
        }
        JsonNode message = parse(payload);
        yield mail.send(
            settings.get(),
            email.recipients(),
            message.path("subject").asText(),
            message.path("text").asText(),
            start);
      }
    };
  }

  /** A JSON POST; {@code signature} (webhooks only, else null) goes in the signature header. */
  private DeliveryOutcome post(URI url, byte[] body, String signature, long start) {
    HttpRequest.Builder request =
        HttpRequest.newBuilder(url)
            .timeout(REQUEST_TIMEOUT)
            .header("Content-Type", "application/json")
            .header("User-Agent", "CT-Ops")
            .POST(HttpRequest.BodyPublishers.ofByteArray(body));
    if (signature != null) {
      request.header(WebhookChannel.SIGNATURE_HEADER, signature);
    }
    try {
      HttpResponse<String> response =
          http.send(request.build(), HttpResponse.BodyHandlers.ofString());
      int status = response.statusCode();
      boolean ok = status >= 200 && status < 300;
      return new DeliveryOutcome(
          ok,
          status,
          null,
          ok ? "" : "the receiver answered " + status + clip(response.body()),
          since(start));
    } catch (HttpConnectTimeoutException e) {
      return DeliveryOutcome.failed(
          "no connection within " + CONNECT_TIMEOUT.toSeconds() + " s", since(start));
    } catch (HttpTimeoutException e) {
      return DeliveryOutcome.failed(
          "no answer within " + REQUEST_TIMEOUT.toSeconds() + " s", since(start));
    } catch (ConnectException e) {
      return DeliveryOutcome.failed("connection refused", since(start));
    } catch (IOException e) {
      return DeliveryOutcome.failed(
          e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage(), since(start));
    } catch (InterruptedException e) {
      // the instance is stopping: the row stays claimed and is sent again once its claim lapses
      Thread.currentThread().interrupt();
      throw new Interrupted();
    }
  }

  /** The sender's thread was interrupted (the instance stops); nothing is recorded. */
  static final class Interrupted extends RuntimeException {
    Interrupted() {
      super("interrupted", null, false, false);
    }
  }

  private static String clip(String body) {
    if (body == null || body.isBlank()) {
      return "";
    }
    String line = body.strip().replaceAll("\\s+", " ");
    return ": " + (line.length() > 200 ? line.substring(0, 200) + "…" : line);
  }

  private static JsonNode parse(String payload) {
    try {
      return JSON.readTree(payload);
    } catch (IOException e) {
      throw new IllegalStateException("an email payload is the JSON the channel rendered", e);
    }
  }

  static Duration since(long startNanos) {
    return Duration.ofNanos(System.nanoTime() - startNanos);
  }
}
