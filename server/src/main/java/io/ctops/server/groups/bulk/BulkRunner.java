package io.ctops.server.groups.bulk;

import com.fasterxml.jackson.databind.JsonNode;
import io.ctops.server.audit.Actor;
import io.ctops.server.audit.AuditEntry;
import io.ctops.server.audit.AuditLog;
import io.ctops.server.audit.Target;
import io.ctops.server.groups.HostGroups;
import io.ctops.server.groups.HostTags;
import io.ctops.server.groups.Tag;
import java.sql.Array;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;
import org.jdbi.v3.core.statement.UnableToExecuteStatementException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Works bulk jobs through, on one thread of the web role. It claims the oldest waiting job with
 * {@code FOR UPDATE SKIP LOCKED} (several web instances share the queue), then applies the action
 * to {@value #CHUNK} hosts per transaction with one set-based statement; that transaction also
 * moves the job's progress on and renews the claim, so progress never counts a chunk that rolled
 * back. A job whose claim lapsed (its instance stopped) is claimed again and goes on from the last
 * committed chunk. The job's audit entry is written once, in the transaction that ends it.
 */
public final class BulkRunner implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(BulkRunner.class);

  static final int CHUNK = 1_000;

  /** How long a claim holds without a chunk committed; far longer than a chunk takes. */
  static final Duration CLAIM = Duration.ofSeconds(30);

  /** How often an idle runner looks for work another instance queued. */
  static final Duration POLL = Duration.ofSeconds(1);

  private static final int ATTEMPTS = 3;

  /**
   * How long a finished job (its host ids: up to 100,000) is kept for its page and the API; its
   * audit entry, with the counts, stays as long as the audit log keeps it.
   */
  static final Duration KEEP_FINISHED = Duration.ofDays(7);

  /** How often finished jobs past {@link #KEEP_FINISHED} are deleted. */
  private static final Duration PURGE_EVERY = Duration.ofHours(1);

  private final Jdbi jdbi;
  private final BulkTargets targets;
  private final Clock clock;
  private ScheduledExecutorService thread;

  public BulkRunner(Jdbi jdbi, BulkTargets targets, Clock clock) {
    this.jdbi = jdbi;
    this.targets = targets;
    this.clock = clock;
  }

  /** Starts the runner's thread; returns this. */
  public BulkRunner start() {
    thread =
        Executors.newSingleThreadScheduledExecutor(
            runnable -> Thread.ofPlatform().name("bulk-jobs").daemon().unstarted(runnable));
    thread.scheduleWithFixedDelay(
        this::drain, POLL.toMillis(), POLL.toMillis(), TimeUnit.MILLISECONDS);
    thread.scheduleWithFixedDelay(
        this::purge, PURGE_EVERY.toMillis(), PURGE_EVERY.toMillis(), TimeUnit.MILLISECONDS);
    return this;
  }

  /**
   * Deletes the jobs that finished more than {@link #KEEP_FINISHED} before {@code now}; returns how
   * many.
   */
  static int purgeFinished(Jdbi jdbi, Instant now) {
    return jdbi.withHandle(
        handle ->
            handle
                .createUpdate(
                    "DELETE FROM bulk_jobs WHERE state IN ('done', 'failed')"
                        + " AND finished_at < :before")
                .bind("before", Timestamp.from(now.minus(KEEP_FINISHED)))
                .execute());
  }

  private void purge() {
    try {
      int purged = purgeFinished(jdbi, clock.instant());
      if (purged > 0) {
        log.info("event=bulk_jobs_purged jobs={}", purged);
      }
    } catch (RuntimeException e) {
      log.warn("event=bulk_jobs_purge_failed error={}", e.toString());
    }
  }

  /** Looks for work now (a job was just queued here) instead of at the next poll. */
  public void wake() {
    ScheduledExecutorService running = thread;
    if (running != null) {
      try {
        running.execute(this::drain);
      } catch (RejectedExecutionException stopping) {
        // closing: another instance, or the next start, takes the job
      }
    }
  }

  private void drain() {
    try {
      while (runNext()) {
        // until no job waits
      }
    } catch (RuntimeException e) {
      log.warn("event=bulk_runner_failed error={}", e.toString());
    }
  }

  /** A job this runner holds, with what it needs to go on. */
  private record Claimed(
      UUID id,
      UUID orgId,
      BulkAction action,
      JsonNode parameters,
      int total,
      int done,
      int changed,
      Actor actor,
      UUID claim) {}

  /** Claims the oldest waiting or abandoned job and works it through; false when there is none. */
  boolean runNext() {
    Optional<Claimed> job = claim();
    job.ifPresent(this::work);
    return job.isPresent();
  }

  private Optional<Claimed> claim() {
    Instant now = clock.instant();
    UUID claim = UUID.randomUUID();
    return jdbi.inTransaction(
        handle ->
            handle
                .createQuery(
                    """
                    UPDATE bulk_jobs SET state = 'running', claim = :claim,
                           claimed_until = :until, started_at = coalesce(started_at, :now)
                     WHERE id = (SELECT id FROM bulk_jobs
                                  WHERE state = 'queued'
                                     OR (state = 'running' AND claimed_until < :now)
                                  ORDER BY created_at
                                  LIMIT 1
                                  FOR UPDATE SKIP LOCKED)
                    RETURNING id, org_id, action, parameters::text, total, done, changed,
                              requester_kind, requester_user_id, requester_name, api_key_id,
                              api_key_name, requester_address
                    """)
                .bind("claim", claim)
                .bind("until", Timestamp.from(now.plus(CLAIM)))
                .bind("now", Timestamp.from(now))
                .map(
                    (rs, ctx) ->
                        new Claimed(
                            rs.getObject("id", UUID.class),
                            rs.getObject("org_id", UUID.class),
                            BulkAction.fromDb(rs.getString("action")),
                            BulkJobs.parameters(rs.getString("parameters")),
                            rs.getInt("total"),
                            rs.getInt("done"),
                            rs.getInt("changed"),
                            new Actor(
                                rs.getString("requester_kind").equals("api_key")
                                    ? Actor.Kind.API_KEY
                                    : Actor.Kind.USER,
                                Optional.ofNullable(rs.getObject("requester_user_id", UUID.class)),
                                rs.getString("requester_name"),
                                Optional.ofNullable(rs.getObject("api_key_id", UUID.class)),
                                Optional.ofNullable(rs.getString("api_key_name")),
                                Optional.ofNullable(rs.getString("requester_address"))),
                            claim))
                .findOne());
  }

  private void work(Claimed job) {
    log.info(
        "event=bulk_job_claimed job_id={} action={} total={} done={}",
        job.id(),
        job.action().param(),
        job.total(),
        job.done());
    int done = job.done();
    int changed = job.changed();
    while (done < job.total()) {
      int to = Math.min(done + CHUNK, job.total());
      Optional<Integer> chunk;
      try {
        chunk = chunk(job, done, to, changed);
      } catch (JobFailure e) {
        fail(job, done, changed, e.getMessage());
        return;
      } catch (RuntimeException e) {
        if (stopping()) {
          // not the job's fault: its claim lapses and another runner (or the next start) goes on
          log.info("event=bulk_job_left job_id={} done={}", job.id(), done);
          return;
        }
        log.warn("event=bulk_job_failed job_id={} error={}", job.id(), e.toString(), e);
        fail(job, done, changed, "the server could not apply it; the server log has the error");
        return;
      }
      if (chunk.isEmpty()) {
        log.info("event=bulk_job_taken_over job_id={}", job.id());
        return;
      }
      done = to;
      changed += chunk.get();
    }
    log.info(
        "event=bulk_job_done job_id={} action={} total={} changed={}",
        job.id(),
        job.action().param(),
        job.total(),
        changed);
  }

  /**
   * Applies the action to hosts {@code from}..{@code to} (of the job's list) in one transaction;
   * empty when the job is no longer this runner's. A deadlock with another writer of the same host
   * rows (ingest, an operator) is tried again.
   */
  private Optional<Integer> chunk(Claimed job, int from, int to, int changedBefore) {
    for (int attempt = 1; ; attempt++) {
      try {
        return jdbi.inTransaction(handle -> chunkIn(handle, job, from, to, changedBefore));
      } catch (UnableToExecuteStatementException e) {
        if (attempt >= ATTEMPTS || !isRetryable(e)) {
          throw e;
        }
      }
    }
  }

  private Optional<Integer> chunkIn(
      Handle handle, Claimed job, int from, int to, int changedBefore) {
    Instant now = clock.instant();
    boolean stillOurs =
        handle
                .createUpdate(
                    "UPDATE bulk_jobs SET done = :to, claimed_until = :until"
                        + " WHERE id = :id AND claim = :claim AND state = 'running' AND done = :from")
                .bind("to", to)
                .bind("until", Timestamp.from(now.plus(CLAIM)))
                .bind("id", job.id())
                .bind("claim", job.claim())
                .bind("from", from)
                .execute()
            == 1;
    if (!stillOurs) {
      return Optional.empty();
    }
    List<UUID> hosts =
        handle
            .createQuery(
                "SELECT host_ids[CAST(:first AS int) : CAST(:last AS int)]"
                    + " FROM bulk_jobs WHERE id = :id")
            .bind("first", from + 1)
            .bind("last", to)
            .bind("id", job.id())
            .map((rs, ctx) -> uuids(rs.getArray(1)))
            .one();
    int changed = apply(handle, job, hosts);
    handle
        .createUpdate("UPDATE bulk_jobs SET changed = changed + :changed WHERE id = :id")
        .bind("changed", changed)
        .bind("id", job.id())
        .execute();
    if (to == job.total()) {
      end(handle, job, "done", null, now);
      AuditLog.record(handle, entry(job, to, changedBefore + changed));
    }
    return Optional.of(changed);
  }

  private int apply(Handle handle, Claimed job, List<UUID> hosts) {
    UUID org = job.orgId();
    return switch (job.action()) {
      case TAG, UNTAG -> {
        // the hosts' statement triggers bring dynamic groups up to date (V13__groups.sql)
        List<Tag> tags = BulkJobs.tags(job.parameters());
        yield job.action() == BulkAction.TAG
            ? HostTags.setTags(handle, org, hosts, tags)
            : HostTags.removeTags(handle, org, hosts, tags);
      }
      case ADD_TO_GROUP -> HostGroups.insertMembers(handle, org, staticGroup(handle, job), hosts);
      case REMOVE_FROM_GROUP -> HostGroups.deleteMembers(handle, staticGroup(handle, job), hosts);
      case RESCAN -> targets.queueScans(handle, org, hosts, job.actor());
      case DELETE ->
          job.parameters().path("uninstall").asBoolean()
              ? targets.uninstallAndDelete(
                  handle, org, hosts, job.actor(), job.parameters().path("remove_data").asBoolean())
              : targets.softDelete(handle, org, hosts, job.actor());
    };
  }

  /** The job's group, checked again for each chunk: it may have been deleted or made dynamic. */
  private static UUID staticGroup(Handle handle, Claimed job) {
    UUID group = UUID.fromString(job.parameters().path("group_id").asText());
    Optional<Boolean> dynamic =
        handle
            .createQuery("SELECT dynamic FROM host_groups WHERE id = :id AND org_id = :org")
            .bind("id", group)
            .bind("org", job.orgId())
            .mapTo(Boolean.class)
            .findOne();
    if (dynamic.isEmpty()) {
      throw new JobFailure("the group was deleted");
    }
    if (dynamic.get()) {
      throw new JobFailure("the group became dynamic: its members follow its rule");
    }
    return group;
  }

  private boolean stopping() {
    return Thread.currentThread().isInterrupted() || (thread != null && thread.isShutdown());
  }

  /** Ends the job as failed (unless it is no longer this runner's), with its one audit entry. */
  private void fail(Claimed job, int done, int changed, String reason) {
    jdbi.useTransaction(
        handle -> {
          if (end(handle, job, "failed", reason, clock.instant())) {
            AuditLog.record(handle, entry(job, done, changed).param("done", done).failed(reason));
          }
        });
    log.info("event=bulk_job_ended job_id={} state=failed reason=\"{}\"", job.id(), reason);
  }

  /** The host list is only needed while the job runs; an ended job keeps its counts. */
  private static boolean end(Handle handle, Claimed job, String state, String error, Instant now) {
    return handle
            .createUpdate(
                """
                UPDATE bulk_jobs SET state = :state, error = :error, finished_at = :now,
                       host_ids = '{}', claim = NULL, claimed_until = NULL
                 WHERE id = :id AND claim = :claim AND state = 'running'
                """)
            .bind("state", state)
            .bind("error", error)
            .bind("now", Timestamp.from(now))
            .bind("id", job.id())
            .bind("claim", job.claim())
            .execute()
        == 1;
  }

  /** The job's one audit entry: the action, its hosts, and how many of them it changed. */
  private static AuditEntry entry(Claimed job, int done, int changed) {
    AuditEntry entry =
        AuditEntry.of(job.orgId(), job.actor(), job.action().audit)
            .param("bulk_job", job.id().toString())
            .param("hosts", job.total());
    if (job.action().needsTags()) {
      entry =
          entry.param(
              "tags",
              BulkJobs.tags(job.parameters()).stream()
                  .map(Tag::toString)
                  .collect(Collectors.joining(", ")));
    }
    if (job.action().needsGroup()) {
      entry =
          entry.target(
              Target.group(
                  UUID.fromString(job.parameters().path("group_id").asText()),
                  job.parameters().path("group_name").asText()));
    }
    String counted =
        switch (job.action()) {
          case TAG, UNTAG -> "changed";
          case ADD_TO_GROUP -> "added";
          case REMOVE_FROM_GROUP -> "removed";
          case RESCAN -> "queued";
          case DELETE -> "deleted";
        };
    return entry.param(counted, changed);
  }

  private static boolean isRetryable(UnableToExecuteStatementException e) {
    return e.getCause() instanceof SQLException sql
        && ("40P01".equals(sql.getSQLState()) || "40001".equals(sql.getSQLState()));
  }

  private static List<UUID> uuids(Array array) throws SQLException {
    return array == null ? List.of() : Arrays.asList((UUID[]) array.getArray());
  }

  /** Why a job cannot go on, in words for its requester. */
  private static final class JobFailure extends RuntimeException {
    JobFailure(String message) {
      super(message, null, false, false);
    }
  }

  @Override
  public void close() {
    if (thread != null) {
      thread.shutdownNow();
    }
  }
}
