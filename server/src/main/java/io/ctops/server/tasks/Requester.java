package io.ctops.server.tasks;

import io.ctops.server.audit.Actor;
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

  public static Requester of(Actor actor) {
    Kind kind =
        switch (actor.kind()) {
          case USER -> Kind.USER;
          case API_KEY -> Kind.API_KEY;
          case SYSTEM -> Kind.SYSTEM;
        };
    return new Requester(kind, actor.userId(), actor.name());
  }
}
