package io.ctops.agent.checks;

import io.ctops.protocol.checks.CheckConfig.Http;
import java.io.IOException;
import java.io.InputStream;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.Semaphore;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLParameters;

/**
 * A GET of {@code url}: the status it answers, and when asked what its body (read up to 1 MiB)
 * contains or matches. The result's duration is the time until the response was read.
 *
 * <p>Clients are shared by the checks that want the same treatment of TLS and redirects; the one
 * that does not verify TLS has a context of its own ({@link TrustAll}), so that choice holds for
 * those requests only. Bodies are held in memory only for checks that inspect them, two at a time:
 * the agent's heap is small.
 */
final class HttpProbe implements AutoCloseable {
  static final int MAX_BODY_BYTES = 1024 * 1024;
  private static final int HELD_BODIES = 2;

  private final Map<String, HttpClient> clients = new HashMap<>();
  private final Semaphore bodies = new Semaphore(HELD_BODIES);
  private boolean closed;

  Outcome run(Http check) throws InterruptedException {
    boolean inspectsBody = check.bodyContains().isPresent() || check.bodyRegex().isPresent();
    if (inspectsBody) {
      bodies.acquire();
    }
    try {
      return fetch(check, inspectsBody);
    } finally {
      if (inspectsBody) {
        bodies.release();
      }
    }
  }

  private Outcome fetch(Http check, boolean inspectsBody) throws InterruptedException {
    HttpRequest request =
        HttpRequest.newBuilder(check.url())
            .timeout(check.timeout())
            .header("User-Agent", "ct-ops-agent")
            .GET()
            .build();
    long start = System.nanoTime();
    int status;
    String body = "";
    try {
      HttpResponse<InputStream> response =
          client(check).send(request, HttpResponse.BodyHandlers.ofInputStream());
      status = response.statusCode();
      try (InputStream in = response.body()) {
        if (inspectsBody) {
          body = new String(in.readNBytes(MAX_BODY_BYTES), StandardCharsets.UTF_8);
        } else {
          skip(in);
        }
      }
    } catch (IOException e) {
      return Outcome.fail(failure(e, check));
    }
    Duration latency = Duration.ofNanos(System.nanoTime() - start);
    String answered = "HTTP " + status + " in " + latency.toMillis() + " ms";
    if (status != check.expectedStatus()) {
      return Outcome.fail(answered + ", expected " + check.expectedStatus()).withLatency(latency);
    }
    if (check.bodyContains().isPresent() && !body.contains(check.bodyContains().get())) {
      return Outcome.fail(
              answered + ", body does not contain \"" + check.bodyContains().get() + "\"")
          .withLatency(latency);
    }
    if (check.bodyRegex().isPresent()) {
      String pattern = check.bodyRegex().get().pattern();
      try {
        if (!check.bodyRegex().get().matcher(new InterruptibleText(body)).find()) {
          return Outcome.fail(answered + ", body does not match /" + pattern + "/")
              .withLatency(latency);
        }
      } catch (InterruptibleText.Interrupted e) {
        throw new InterruptedException();
      } catch (StackOverflowError e) {
        return Outcome.error("body_regex /" + pattern + "/ is too complex for this body");
      }
    }
    return Outcome.pass(answered).withLatency(latency);
  }

  private static String failure(IOException error, Http check) {
    for (Throwable cause = error; cause != null; cause = cause.getCause()) {
      if (cause instanceof SSLException tls) {
        String message = String.valueOf(tls.getMessage());
        return "TLS handshake failed: "
            + (message.contains("PKIX path")
                ? "the server's certificate is not trusted by this host"
                : message);
      }
    }
    return Connections.failure(error, check.url().getHost(), check.timeout());
  }

  /** Reads (up to the limit) and drops a body no condition looks at, so the time is the whole. */
  private static void skip(InputStream in) throws IOException {
    byte[] buffer = new byte[8192];
    int left = MAX_BODY_BYTES;
    int read;
    while (left > 0 && (read = in.read(buffer, 0, Math.min(buffer.length, left))) >= 0) {
      left -= read;
    }
  }

  private synchronized HttpClient client(Http check) throws InterruptedException {
    if (closed) {
      throw new InterruptedException("the checks are stopping");
    }
    String key = check.verifyTls() + "/" + check.followRedirects();
    return clients.computeIfAbsent(
        key,
        ignored -> {
          HttpClient.Builder builder =
              HttpClient.newBuilder()
                  .followRedirects(
                      check.followRedirects()
                          ? HttpClient.Redirect.NORMAL
                          : HttpClient.Redirect.NEVER);
          if (!check.verifyTls()) {
            SSLParameters parameters = new SSLParameters();
            parameters.setEndpointIdentificationAlgorithm(null);
            builder.sslContext(TrustAll.context()).sslParameters(parameters);
          }
          return builder.build();
        });
  }

  @Override
  public synchronized void close() {
    closed = true;
    clients.values().forEach(HttpClient::shutdownNow);
    clients.clear();
  }

  /**
   * The body as a regular expression sees it, stopping the match when the run is interrupted: a
   * pattern that backtracks without end must not keep a core busy after its check timed out.
   */
  private record InterruptibleText(CharSequence text) implements CharSequence {
    static final class Interrupted extends RuntimeException {
      private static final long serialVersionUID = 1L;
    }

    @Override
    public char charAt(int index) {
      if (Thread.currentThread().isInterrupted()) {
        throw new Interrupted();
      }
      return text.charAt(index);
    }

    @Override
    public int length() {
      return text.length();
    }

    @Override
    public CharSequence subSequence(int start, int end) {
      return new InterruptibleText(text.subSequence(start, end));
    }

    @Override
    public String toString() {
      return text.toString();
    }
  }
}
