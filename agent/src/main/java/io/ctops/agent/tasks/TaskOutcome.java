package io.ctops.agent.tasks;

/**
 * How a task ended, as the server receives it in {@code AgentTaskResult}: exit code 0 and no error
 * is success.
 *
 * @param resultJson a JSON document for the server, empty when there is none
 * @param error what went wrong, for the operator; empty on success
 */
public record TaskOutcome(int exitCode, String resultJson, String error) {
  /** The exit code of a task the server cancelled (as a shell reports Ctrl-C). */
  public static final int CANCELLED_EXIT_CODE = 130;

  static final TaskOutcome CANCELLED = new TaskOutcome(CANCELLED_EXIT_CODE, "", "cancelled");

  public TaskOutcome {
    if (resultJson == null || error == null) {
      throw new IllegalArgumentException("resultJson and error are empty, never null");
    }
  }

  public static TaskOutcome succeeded(String resultJson) {
    return new TaskOutcome(0, resultJson, "");
  }

  public static TaskOutcome failed(String error) {
    return new TaskOutcome(1, "", error);
  }

  public boolean isSuccess() {
    return exitCode == 0 && error.isEmpty();
  }
}
