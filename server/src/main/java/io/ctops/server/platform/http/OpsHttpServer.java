package io.ctops.server.platform.http;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.BindException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.function.Supplier;

/**
 * A small HTTP server for operational endpoints (health, JWKS, metrics): GET only, fixed paths,
 * plain responses. It knows no feature; the role hands it the routes.
 */
public final class OpsHttpServer implements AutoCloseable {
  private final HttpServer server;

  /** What a route answers. */
  public record Response(int status, String contentType, String body) {
    public static Response text(int status, String body) {
      return new Response(status, "text/plain; charset=utf-8", body);
    }
  }

  private OpsHttpServer(HttpServer server) {
    this.server = server;
  }

  public static OpsHttpServer start(String host, int port, Map<String, Supplier<Response>> routes) {
    try {
      HttpServer server = HttpServer.create(new InetSocketAddress(host, port), 64);
      server.setExecutor(
          Executors.newFixedThreadPool(
              2, runnable -> Thread.ofPlatform().name("ops-http").daemon().unstarted(runnable)));
      server.createContext(
          "/",
          exchange -> {
            try (exchange) {
              Supplier<Response> route = routes.get(exchange.getRequestURI().getPath());
              Response response;
              if (route == null) {
                response = Response.text(404, "not found\n");
              } else if (!exchange.getRequestMethod().equals("GET")
                  && !exchange.getRequestMethod().equals("HEAD")) {
                exchange.getResponseHeaders().add("Allow", "GET, HEAD");
                response = Response.text(405, "method not allowed\n");
              } else {
                response = route.get();
              }
              send(exchange, response);
            }
          });
      server.start();
      return new OpsHttpServer(server);
    } catch (BindException e) {
      throw new IllegalStateException(
          "cannot listen on port " + port + ": it is in use by another process");
    } catch (IOException e) {
      throw new UncheckedIOException("cannot start the HTTP server on port " + port, e);
    }
  }

  private static void send(HttpExchange exchange, Response response) throws IOException {
    byte[] body = response.body().getBytes(StandardCharsets.UTF_8);
    exchange.getResponseHeaders().set("Content-Type", response.contentType());
    exchange.getResponseHeaders().set("Cache-Control", "no-store");
    boolean head = exchange.getRequestMethod().equals("HEAD");
    exchange.sendResponseHeaders(response.status(), head ? -1 : body.length);
    if (!head) {
      try (OutputStream out = exchange.getResponseBody()) {
        out.write(body);
      }
    }
  }

  public int port() {
    return server.getAddress().getPort();
  }

  @Override
  public void close() {
    server.stop(0);
  }
}
