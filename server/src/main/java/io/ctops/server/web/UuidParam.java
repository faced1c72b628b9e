package io.ctops.server.web;

import java.util.UUID;

/** Ids in paths and forms: one that is not a UUID names nothing, so it answers 404 like a miss. */
public final class UuidParam {
  private UuidParam() {}

  /** {@code text} as a UUID; otherwise 404 "no such {@code what}". */
  public static UUID parse(String text, String what) {
    try {
      return UUID.fromString(text);
    } catch (IllegalArgumentException e) {
      throw HttpProblem.notFound("no such " + what);
    }
  }
}
