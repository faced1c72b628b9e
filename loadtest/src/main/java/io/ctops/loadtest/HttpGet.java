package io.ctops.loadtest;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/** Prints the body of a GET (for scripts on machines without curl); exits 1 unless it is a 200. */
public final class HttpGet {
  private HttpGet() {}

  public static void main(String[] args) throws Exception {
    HttpResponse<String> response =
        HttpClient.newHttpClient()
            .send(
                HttpRequest.newBuilder(URI.create(args[0])).timeout(Duration.ofSeconds(10)).build(),
                HttpResponse.BodyHandlers.ofString());
    System.out.print(response.body().strip());
    System.exit(response.statusCode() == 200 ? 0 : 1);
  }
}
