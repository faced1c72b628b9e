package io.ctops.server.directory;

/**
 * How signing in with directory credentials went: signed in with the roles the person's groups
 * give, refused (and why), or the directory could not be asked, which the sign-in page says as
 * such.
 */
public sealed interface DirectorySignIn {

  /** The password was right, the account active, and at least one mapping gives a role. */
  record SignedIn(DirectoryUser user, DirectoryRoles roles) implements DirectorySignIn {}

  /** The directory answered no; {@code message} says why in the operator's words. */
  record Refused(Reason reason, String message) implements DirectorySignIn {}

  /** The directory did not answer (or the server's own account could not search it). */
  record Unavailable(DirectoryFailure failure) implements DirectorySignIn {}

  /** Why a sign-in was refused. */
  enum Reason {
    TURNED_OFF,
    EMPTY_CREDENTIALS,
    UNKNOWN_LOGIN,
    AMBIGUOUS_LOGIN,
    WRONG_PASSWORD,
    DISABLED,
    EXPIRED,
    LOCKED_OUT,
    PASSWORD_EXPIRED,
    NO_ROLE
  }
}
