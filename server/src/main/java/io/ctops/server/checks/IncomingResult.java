package io.ctops.server.checks;

import java.time.Instant;
import java.util.UUID;

/** A check result as a heartbeat brought it, checked and cleaned by {@link ResultIntake}. */
public record IncomingResult(
    UUID orgId,
    UUID hostId,
    UUID checkId,
    String status,
    String output,
    int durationMs,
    Instant ranAt) {}
