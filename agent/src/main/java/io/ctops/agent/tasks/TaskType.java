package io.ctops.agent.tasks;

import java.util.Set;

/**
 * One kind of task the server may ask this agent to run, known on the wire by its {@code
 * task_type}. Runs on the agent's task thread, never on a network thread, so it may block; it must
 * stop promptly when that thread is interrupted (the server cancelled it).
 */
public interface TaskType {
  /** The {@code task_type} the server sends for this kind of task. */
  String name();

  /** Other {@code task_type} names that mean the same task (older or newer servers' spellings). */
  default Set<String> aliases() {
    return Set.of();
  }

  /**
   * Whether this task changes the host (a service action, the agent's uninstall): refused without
   * running while host actions are disabled in agent.toml.
   */
  default boolean isHostAction() {
    return false;
  }

  /**
   * Runs one task. Expected failures are outcomes ({@link TaskOutcome#failed}); a thrown runtime
   * exception is reported to the server as a failure too. Throws InterruptedException (or returns
   * anything) when cancelled: the agent answers a cancelled task as such whatever it returned.
   *
   * @param configJson the task's {@code config_json}, empty when the server sent none
   */
  TaskOutcome run(String configJson, TaskContext context) throws InterruptedException;
}
