package io.ctops.server.auth;

import java.util.Optional;
import java.util.UUID;

/**
 * Who is asking: a signed-in user (with the session's CSRF token) or an API key's owner (no CSRF: a
 * bearer key is not sent by browsers on their own; {@code apiKey} names the key, for the audit
 * log). {@code scope} says which hosts they see: the whole organisation, or their groups' members
 * (then {@code role} is the highest of their group roles, and actions on a host need {@link
 * HostScope#roleOn}).
 */
public record Principal(
    UUID userId,
    UUID orgId,
    String orgName,
    String email,
    String displayName,
    Role role,
    HostScope scope,
    String csrfToken,
    Optional<ApiKeyUsed> apiKey) {

  /** The API key a request came with. */
  public record ApiKeyUsed(UUID id, String name) {}

  public boolean viaApiKey() {
    return apiKey.isPresent();
  }

  public boolean isAdmin() {
    return role.isAdmin();
  }

  public String shownName() {
    return displayName == null || displayName.isBlank() ? email : displayName;
  }
}
