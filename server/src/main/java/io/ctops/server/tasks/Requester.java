package io.ctops.server.tasks;

import io.ctops.server.auth.Principal;
import java.util.Optional;
import java.util.UUID;

/** Who asked for a task: a signed-in user, a user's API key, or the server itself (schedules). */
public record Requester(Kind kind, Optional<UUID> userId, String name) {

  /** How the request came. */
  public enum Kind {
    USER("user"),
    API_KEY("api_key"),
    SYSTEM("system");

    private final String dbName;

    Kind(String dbName) {
      this.dbName = dbName;
    }

    public String dbName() {
      return dbName;
    }
  }

  public static Requester system(String what) {
    return new Requester(Kind.SYSTEM, Optional.empty(), what);
  }

  public static Requester of(Principal principal) {
    return new Requester(
        principal.viaApiKey() ? Kind.API_KEY : Kind.USER,
        Optional.of(principal.userId()),
        principal.email());
  }
}
