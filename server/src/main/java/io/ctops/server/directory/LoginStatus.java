package io.ctops.server.directory;

/** What the directory says about a login name a host account carries. */
public enum LoginStatus {
  ENABLED,
  DISABLED,
  /** The account's expiry date has passed ({@code accountExpires}). */
  EXPIRED,
  NOT_IN_DIRECTORY;

  /** Disabled or expired: an account of this name on a host belongs to someone who has gone. */
  public boolean isGone() {
    return this == DISABLED || this == EXPIRED;
  }
}
