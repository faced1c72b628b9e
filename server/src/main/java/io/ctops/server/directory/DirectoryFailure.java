package io.ctops.server.directory;

/**
 * The directory could not answer: which stage failed (connect, TLS, bind, search) and why, in words
 * a settings page or sign-in page can show as they are ("connect: connection refused to
 * ldap.example:389").
 */
public final class DirectoryFailure extends Exception {
  private static final long serialVersionUID = 1L;

  /** Where talking to the directory stopped. */
  public enum Stage {
    CONNECT("connect"),
    TLS("TLS"),
    BIND("bind"),
    SEARCH("search");

    private final String label;

    Stage(String label) {
      this.label = label;
    }

    public String label() {
      return label;
    }
  }

  private final Stage stage;
  private final String reason;

  DirectoryFailure(Stage stage, String reason) {
    super(stage.label() + ": " + reason);
    this.stage = stage;
    this.reason = reason;
  }

  public Stage stage() {
    return stage;
  }

  /** Why, without the stage. */
  public String reason() {
    return reason;
  }
}
