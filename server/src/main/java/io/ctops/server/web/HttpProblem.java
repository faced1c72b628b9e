package io.ctops.server.web;

/**
 * An expected refusal of a web or API request: the status and the message the user reads. Thrown by
 * handlers, turned into a page or a JSON error in one place (the web role).
 */
public final class HttpProblem extends RuntimeException {
  private final int status;

  public HttpProblem(int status, String message) {
    super(message, null, false, false);
    this.status = status;
  }

  public static HttpProblem badRequest(String message) {
    return new HttpProblem(400, message);
  }

  public static HttpProblem unauthorized(String message) {
    return new HttpProblem(401, message);
  }

  public static HttpProblem forbidden(String message) {
    return new HttpProblem(403, message);
  }

  public static HttpProblem notFound(String message) {
    return new HttpProblem(404, message);
  }

  public static HttpProblem conflict(String message) {
    return new HttpProblem(409, message);
  }

  public int status() {
    return status;
  }
}
