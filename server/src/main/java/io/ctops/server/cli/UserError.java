package io.ctops.server.cli;

/**
 * A command could not do what was asked, for a reason the user can fix; exits 1 with the message.
 */
public final class UserError extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public UserError(String message) {
    super(message);
  }
}
