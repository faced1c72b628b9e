package io.ctops.server.directory;

import java.util.List;
import java.util.Optional;

/**
 * A person in the directory as a lookup shows them: their login, names, where their entry is,
 * whether the account is disabled or expired, and every group they are in, nested ones included
 * (group DNs as the directory writes them).
 */
public record DirectoryUser(
    String login,
    Optional<String> userPrincipalName,
    Optional<String> displayName,
    Optional<String> mail,
    String dn,
    boolean isDisabled,
    boolean isExpired,
    List<String> groups) {

  public DirectoryUser {
    groups = List.copyOf(groups);
  }

  /** Neither disabled nor expired: the directory would let them sign in. */
  public boolean isActive() {
    return !isDisabled && !isExpired;
  }

  public LoginStatus status() {
    return isDisabled
        ? LoginStatus.DISABLED
        : isExpired ? LoginStatus.EXPIRED : LoginStatus.ENABLED;
  }
}
