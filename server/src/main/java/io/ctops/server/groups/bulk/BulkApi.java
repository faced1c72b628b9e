package io.ctops.server.groups.bulk;

import com.fasterxml.jackson.databind.JsonNode;
import io.ctops.server.auth.Principal;
import io.ctops.server.auth.WebAccess;
import io.ctops.server.web.HttpProblem;
import io.ctops.server.web.UuidParam;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import java.time.Instant;
import java.util.UUID;

/**
 * Bulk actions in the JSON API: {@code POST /api/v1/hosts/bulk} queues a job (202 with it), {@code
 * GET /api/v1/bulk-jobs/{id}} follows it.
 */
public final class BulkApi {
  private final BulkJobs jobs;

  public BulkApi(BulkJobs jobs) {
    this.jobs = jobs;
  }

  /** A job as the API shows it. */
  public record JobResponse(
      UUID id,
      String action,
      String state,
      int total,
      int done,
      int changed,
      String summary,
      String error,
      JsonNode parameters,
      String requestedBy,
      Instant createdAt,
      Instant startedAt,
      Instant finishedAt) {
    static JobResponse of(BulkJob job) {
      return new JobResponse(
          job.id(),
          job.action().param(),
          job.state(),
          job.total(),
          job.done(),
          job.changed(),
          job.summary(),
          job.error(),
          job.parameters(),
          job.requestedBy(),
          job.createdAt(),
          job.startedAt(),
          job.finishedAt());
    }
  }

  public void routes(RoutesConfig routes) {
    routes.post("/api/v1/hosts/bulk", this::submit);
    routes.get("/api/v1/bulk-jobs/{id}", this::job);
  }

  private void submit(Context ctx) {
    Principal user = WebAccess.principal(ctx);
    BulkJobs.requireMayAct(user);
    JsonNode body;
    try {
      body = ctx.bodyAsClass(JsonNode.class);
    } catch (Exception e) {
      // not JSON (Javalin rethrows Jackson's checked exceptions): answered as no object below
      body = null;
    }
    BulkJob job = jobs.submit(user, WebAccess.actor(ctx), BulkRequest.fromJson(body));
    ctx.status(202).header("Location", "/api/v1/bulk-jobs/" + job.id()).json(JobResponse.of(job));
  }

  private void job(Context ctx) {
    Principal user = WebAccess.principal(ctx);
    BulkJob job =
        jobs.find(user, UuidParam.parse(ctx.pathParam("id"), "bulk job"))
            .orElseThrow(() -> HttpProblem.notFound("no such bulk job"));
    ctx.json(JobResponse.of(job));
  }
}
