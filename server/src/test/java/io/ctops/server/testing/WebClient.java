package io.ctops.server.testing;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.CookieManager;
import java.net.InetAddress;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/** A browser-like HTTP client: keeps cookies, does not follow redirects, knows the CSRF token. */
public final class WebClient {
  private static final Pattern CSRF = Pattern.compile("name=\"csrf-token\" content=\"([^\"]*)\"");

  private final String base;
  private final HttpClient http;
  private final CookieManager cookies = new CookieManager();
  private String csrf = "";

  public WebClient(String base) {
    this(base, HttpClient.newBuilder());
  }

  /**
   * A client connecting from another local address (any of 127.0.0.0/8 on Linux), so the server
   * sees a different client address.
   */
  public WebClient(String base, InetAddress from) {
    this(base, HttpClient.newBuilder().localAddress(from));
  }

  private WebClient(String base, HttpClient.Builder builder) {
    this.base = base;
    this.http = builder.cookieHandler(cookies).followRedirects(HttpClient.Redirect.NEVER).build();
  }

  public HttpResponse<String> get(String path, String... headers) {
    HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(base + path)).GET();
    if (headers.length > 0) {
      request.headers(headers);
    }
    HttpResponse<String> response = send(request.build());
    Matcher matcher = CSRF.matcher(response.body());
    if (matcher.find() && !matcher.group(1).isEmpty()) {
      csrf = matcher.group(1);
    }
    return response;
  }

  /** A form post carrying the current CSRF token (unless the form says otherwise). */
  public HttpResponse<String> post(String path, Map<String, String> form) {
    Map<String, String> fields = new LinkedHashMap<>();
    fields.put("_csrf", csrf);
    fields.putAll(form);
    fields.values().removeIf(v -> v == null);
    return postRaw(path, fields);
  }

  public HttpResponse<String> postRaw(String path, Map<String, String> fields, String... headers) {
    String body =
        fields.entrySet().stream()
            .map(
                e ->
                    URLEncoder.encode(e.getKey(), StandardCharsets.UTF_8)
                        + "="
                        + URLEncoder.encode(e.getValue(), StandardCharsets.UTF_8))
            .collect(Collectors.joining("&"));
    HttpRequest.Builder request =
        HttpRequest.newBuilder(URI.create(base + path))
            .header("Content-Type", "application/x-www-form-urlencoded")
            .POST(HttpRequest.BodyPublishers.ofString(body));
    if (headers.length > 0) {
      request.headers(headers);
    }
    return send(request.build());
  }

  public HttpResponse<String> send(HttpRequest request) {
    try {
      return http.send(request, HttpResponse.BodyHandlers.ofString());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  public HttpResponse<byte[]> sendBytes(HttpRequest request) {
    try {
      return http.send(request, HttpResponse.BodyHandlers.ofByteArray());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  public CompletableFuture<HttpResponse<String>> sendAsync(HttpRequest request) {
    return http.sendAsync(request, HttpResponse.BodyHandlers.ofString());
  }

  /** Sends a request whose body is read as it arrives (a server-sent event stream). */
  public CompletableFuture<HttpResponse<InputStream>> sendStream(HttpRequest request) {
    return http.sendAsync(request, HttpResponse.BodyHandlers.ofInputStream());
  }

  public HttpRequest.Builder request(String path) {
    return HttpRequest.newBuilder(URI.create(base + path));
  }

  /** Signs in through the login form; returns the response to the form post. */
  public HttpResponse<String> signIn(String email, String password) {
    get("/login");
    HttpResponse<String> response = post("/login", Map.of("email", email, "password", password));
    get("/hosts");
    return response;
  }

  /** The cookies this client holds, as a {@code Cookie} request header's value. */
  public String cookieHeader() {
    return cookies.getCookieStore().getCookies().stream()
        .map(cookie -> cookie.getName() + "=" + cookie.getValue())
        .collect(Collectors.joining("; "));
  }

  public String csrf() {
    return csrf;
  }
}
