package io.ctops.server.audit;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

/**
 * One action to record: in which organisation (absent only when none is known, like a sign-in with
 * an unknown email), by whom, what, to what, with which parameters, and whether it failed and why.
 * Parameters describe the request (a role, a name, an interval), never a secret: {@link AuditLog}
 * refuses an entry that carries one.
 */
public record AuditEntry(
    Optional<UUID> orgId,
    Actor actor,
    AuditAction action,
    Optional<Target> target,
    Map<String, Object> parameters,
    Optional<String> failure) {

  public AuditEntry {
    parameters = Collections.unmodifiableMap(new LinkedHashMap<>(parameters));
  }

  /** A successful action in the organisation, with no target or parameters yet. */
  public static AuditEntry of(UUID orgId, Actor actor, AuditAction action) {
    return new AuditEntry(
        Optional.ofNullable(orgId), actor, action, Optional.empty(), Map.of(), Optional.empty());
  }

  public AuditEntry target(Target value) {
    return new AuditEntry(orgId, actor, action, Optional.of(value), parameters, failure);
  }

  /** Adds a parameter; a null value is left out. */
  public AuditEntry param(String name, Object value) {
    if (value == null) {
      return this;
    }
    Map<String, Object> more = new LinkedHashMap<>(parameters);
    more.put(name, value);
    return new AuditEntry(orgId, actor, action, target, more, failure);
  }

  /** The same action, recorded as attempted but refused, with the reason the caller was given. */
  public AuditEntry failed(String reason) {
    return new AuditEntry(orgId, actor, action, target, parameters, Optional.of(reason));
  }

  public boolean succeeded() {
    return failure.isEmpty();
  }
}
