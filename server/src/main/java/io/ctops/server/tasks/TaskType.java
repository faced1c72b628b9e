package io.ctops.server.tasks;

import com.fasterxml.jackson.databind.JsonNode;
import io.ctops.server.auth.Role;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import org.jdbi.v3.core.Handle;

/**
 * One kind of work an agent does for an operator, as the server knows it: the name agents know it
 * by ({@code task_type} on the wire), which parameters are valid, who may ask for it and how long
 * it may take. A new type is one class implementing this, registered in {@link TaskTypes} by the
 * role, plus the agent's class that runs it.
 */
public interface TaskType {

  /** The name on the wire and in the task table. */
  String name();

  /** Names this type had in earlier releases, still accepted when a task is requested. */
  default Set<String> formerNames() {
    return Set.of();
  }

  /**
   * The parameters sent to the agent as {@code config_json}: {@code given} checked and normalised.
   * Throws {@link InvalidParameters} with the reason when they are not valid.
   */
  JsonNode parameters(JsonNode given) throws InvalidParameters;

  /** Whether a user with this role may request (and cancel) a task of this type. */
  boolean mayRequest(Role role);

  /**
   * How long a task may wait for its agent and then run: counted from queueing until dispatch, and
   * again from dispatch until the agent's result. Past it the server ends the task as timed out.
   */
  Duration timeout();

  /**
   * Queues a task of this type in the caller's transaction and returns its id. A type with records
   * of its own (a software scan's row) creates them here, or refuses with {@link Refused}.
   */
  default UUID request(Handle handle, TaskQueue.NewTask task) throws Refused {
    return TaskQueue.insert(handle, task);
  }

  /**
   * Tasks of this type that just ended, in the transaction that ended them: a type with records of
   * its own brings them up to date.
   */
  default void ended(Handle handle, List<EndedTask> tasks) {}

  /** A task that reached an end state, and why when it did not succeed. */
  record EndedTask(UUID id, UUID hostId, TaskState state, String error) {}

  /** The parameters given do not fit the type; the message says what is wrong. */
  final class InvalidParameters extends Exception {
    public InvalidParameters(String message) {
      super(message, null, false, false);
    }
  }

  /**
   * The task cannot be queued now (say, one of the same kind is under way); the message says why.
   */
  final class Refused extends Exception {
    public Refused(String message) {
      super(message, null, false, false);
    }
  }
}
