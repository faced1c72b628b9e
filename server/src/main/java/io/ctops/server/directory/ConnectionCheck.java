package io.ctops.server.directory;

import io.ctops.server.directory.DirectoryFailure.Stage;

/** What "Test connection" found: every stage passed, or the one that failed and why. */
public sealed interface ConnectionCheck {

  /** The line a settings page shows. */
  String message();

  /**
   * Connected (with StartTLS or TLS), bound and searched; {@code foundUser} is false when the
   * search worked but the base DN and filter match nobody, which is worth a warning.
   */
  record Passed(ServerUrl server, boolean foundUser, String message) implements ConnectionCheck {}

  /** Stopped at {@code stage}; the message is "stage: reason". */
  record Failed(Stage stage, String reason) implements ConnectionCheck {
    @Override
    public String message() {
      return stage.label() + ": " + reason;
    }
  }
}
