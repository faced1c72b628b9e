package io.ctops.server.inventory;

import com.fasterxml.jackson.databind.JsonNode;
import io.ctops.server.auth.Role;
import io.ctops.server.platform.grpc.AgentText;
import io.ctops.server.tasks.TaskQueue;
import io.ctops.server.tasks.TaskState;
import io.ctops.server.tasks.TaskType;
import java.sql.Timestamp;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import org.jdbi.v3.core.Handle;

/**
 * The software scan as a task: the agent lists its packages and uploads them under the task's id
 * ({@code SubmitSoftwareInventory}), then reports the result. The scan's own row (status, package
 * count) shares the task's id and ends with it when the task fails, is cancelled or times out.
 */
public final class SoftwareScanTask implements TaskType {
  /** The name agents in the field know, ours and the original CT-Ops agent. */
  public static final String NAME = "software_inventory";

  /** The name of the previous release, still accepted from API clients for one release. */
  static final String FORMER_NAME = "software_inventory_scan";

  /** As long as a scan of a large host may take to be listed and uploaded. */
  static final Duration TIMEOUT = Duration.ofMinutes(30);

  public static final SoftwareScanTask TYPE = new SoftwareScanTask();

  private SoftwareScanTask() {}

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public Set<String> formerNames() {
    return Set.of(FORMER_NAME);
  }

  @Override
  public JsonNode parameters(JsonNode given) throws InvalidParameters {
    if (!given.isObject() || !given.isEmpty()) {
      throw new InvalidParameters("a software scan takes no parameters; send {}");
    }
    return given;
  }

  @Override
  public boolean mayRequest(Role role) {
    return role != Role.READ_ONLY;
  }

  @Override
  public Duration timeout() {
    return TIMEOUT;
  }

  /**
   * Creates the scan's row with the task's id; refused while another scan of the host is under way.
   */
  @Override
  public UUID request(Handle handle, TaskQueue.NewTask task) throws Refused {
    boolean created =
        handle
            .createQuery(
                """
                INSERT INTO software_scans (id, org_id, host_id, status, queued_at)
                VALUES (:id, :org, :host, 'queued', :now)
                ON CONFLICT (host_id) WHERE status IN ('queued', 'running') DO NOTHING
                RETURNING id
                """)
            .bind("id", task.id())
            .bind("org", task.orgId())
            .bind("host", task.hostId())
            .bind("now", Timestamp.from(task.queuedAt()))
            .mapTo(UUID.class)
            .findOne()
            .isPresent();
    if (!created) {
      throw new Refused("a software scan of this host is already under way");
    }
    return TaskQueue.insert(handle, task);
  }

  @Override
  public void ended(Handle handle, List<EndedTask> tasks) {
    List<EndedTask> unsuccessful =
        tasks.stream().filter(t -> t.state() != TaskState.SUCCEEDED).toList();
    if (unsuccessful.isEmpty()) {
      return;
    }
    handle
        .createUpdate(
            """
            UPDATE software_scans s SET status = 'failed', error = e.error,
                   finished_at = now()
              FROM unnest(:ids, :errors) AS e (id, error)
             WHERE s.id = e.id AND s.status IN ('queued', 'running')
            """)
        .bindArray("ids", UUID.class, unsuccessful.stream().map(EndedTask::id).toList())
        .bindArray(
            "errors", String.class, unsuccessful.stream().map(SoftwareScanTask::reason).toList())
        .execute();
  }

  private static String reason(EndedTask task) {
    return AgentText.storable(explanation(task), SoftwareScans.MAX_REASON);
  }

  private static String explanation(EndedTask task) {
    return switch (task.state()) {
      case FAILED -> "the agent could not scan: " + task.error();
      case CANCELLED -> task.error();
      case TIMED_OUT -> "timed out: " + task.error();
      default -> String.valueOf(task.error());
    };
  }
}
