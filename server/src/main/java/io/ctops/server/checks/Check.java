package io.ctops.server.checks;

import java.time.Instant;
import java.util.UUID;

/** A check as saved. */
public record Check(UUID id, CheckSpec spec, Instant updatedAt) {
  public String name() {
    return spec.name();
  }
}
