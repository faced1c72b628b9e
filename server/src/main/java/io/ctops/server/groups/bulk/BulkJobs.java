package io.ctops.server.groups.bulk;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.ctops.server.audit.Actor;
import io.ctops.server.auth.HostScope;
import io.ctops.server.auth.Principal;
import io.ctops.server.auth.Role;
import io.ctops.server.groups.GroupRule;
import io.ctops.server.groups.HostGroups;
import io.ctops.server.groups.HostSelector;
import io.ctops.server.groups.HostSelectors;
import io.ctops.server.groups.Tag;
import io.ctops.server.web.HttpProblem;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.stream.StreamSupport;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;

/**
 * Turns a bulk request into a queued job: checks the role (as for the same action on one host),
 * resolves the hosts once, now, within what the user may act on, and hands the job to the runner.
 * Another organisation's hosts, deleted hosts and hosts outside a scoped user's groups are left out
 * without an error; a request that leaves no host is refused.
 */
public final class BulkJobs {
  private static final ObjectMapper JSON = new ObjectMapper();

  private final Jdbi jdbi;
  private final BulkTargets targets;
  private final Runnable queued;

  /** {@code queued} is told after a job is queued (the runner's wake-up). */
  public BulkJobs(Jdbi jdbi, BulkTargets targets, Runnable queued) {
    this.jdbi = jdbi;
    this.targets = targets;
    this.queued = queued;
  }

  /** Read-only users act on no host: refused before their request is even read. */
  static void requireMayAct(Principal user) {
    if (user.role() == Role.READ_ONLY) {
      throw HttpProblem.forbidden("read-only users cannot act on hosts");
    }
  }

  /** Queues the job (403 for a role that may not, 400 for what is wrong) and returns it. */
  public BulkJob submit(Principal user, Actor by, BulkRequest request) {
    requireMayAct(user);
    BulkAction action = request.action();
    if (!action.mayRequest(user.role())) {
      throw HttpProblem.forbidden(
          "only " + action.whoMay() + " may " + action.label().toLowerCase() + " hosts");
    }
    HostScope scope = actingScope(user.scope(), action);
    BulkJob job =
        jdbi.inTransaction(
            handle -> {
              ObjectNode parameters = JsonNodeFactory.instance.objectNode();
              if (action.needsTags()) {
                request.tags().forEach(t -> parameters.withArray("tags").add(t.toString()));
              }
              request.groupId().ifPresent(g -> group(handle, user.orgId(), g, parameters));
              request
                  .uninstall()
                  .ifPresent(
                      u -> parameters.put("uninstall", true).put("remove_data", u.removeData()));
              List<UUID> hosts = resolve(handle, user.orgId(), scope, request.hosts(), parameters);
              if (hosts.isEmpty()) {
                throw HttpProblem.badRequest(
                    "no host to act on: none of them is a live host of this organisation"
                        + (scope.isWholeOrganisation() ? "" : " in your groups")
                        + "; nothing was queued");
              }
              return insert(handle, user.orgId(), by, action, parameters, hosts);
            });
    queued.run();
    return job;
  }

  /**
   * The hosts a user may do the action to: the whole organisation, or the members of those of their
   * groups where their role allows it (an engineer on one group and read-only on another tags only
   * the first one's hosts).
   */
  static HostScope actingScope(HostScope scope, BulkAction action) {
    return switch (scope) {
      case HostScope.Organisation o -> o;
      case HostScope.Groups g -> {
        Map<UUID, Role> allowed = new LinkedHashMap<>(g.roles());
        allowed.values().removeIf(role -> !action.mayRequest(role));
        yield new HostScope.Groups(allowed);
      }
    };
  }

  private static void group(Handle handle, UUID orgId, UUID groupId, ObjectNode parameters) {
    HostGroups.Group group;
    try {
      group = HostGroups.requireStatic(handle, orgId, groupId);
    } catch (HostGroups.UnknownGroupException e) {
      throw HttpProblem.badRequest("no such group: " + groupId);
    } catch (GroupRule.InvalidRuleException e) {
      throw HttpProblem.badRequest(e.getMessage());
    }
    parameters.put("group_id", groupId.toString()).put("group_name", group.name());
  }

  private List<UUID> resolve(
      Handle handle, UUID orgId, HostScope scope, BulkRequest.Hosts hosts, ObjectNode parameters) {
    return switch (hosts) {
      case BulkRequest.Ids ids -> {
        parameters.put("hosts_from", "ids");
        yield scope
            .bind(
                handle.createQuery(
                    "SELECT h.id FROM hosts h WHERE h.org_id = :org AND h.deleted_at IS NULL"
                        + " AND h.id = ANY(:ids)"
                        + scope.filter("h.id")))
            .bind("org", orgId)
            .bindArray("ids", UUID.class, ids.ids())
            .mapTo(UUID.class)
            .list();
      }
      case BulkRequest.Filter filter -> {
        parameters.put("hosts_from", "filter").put("filter", filter.query());
        Map<String, List<String>> query = filter.parameters();
        if (query.getOrDefault("status", List.of()).contains("deleted")) {
          throw HttpProblem.badRequest(
              "bulk actions act on live hosts; the Deleted view lists none");
        }
        List<UUID> matching =
            targets.matching(handle, orgId, scope, query, BulkRequest.MAX_HOSTS + 1);
        requireWithinLimit(matching.size(), "the view");
        yield matching;
      }
      case BulkRequest.Selected selected -> {
        HostSelector selector = selected.selector();
        parameters.put("hosts_from", "selector").set("selector", selector.toJson());
        try {
          HostSelectors.requireKnown(handle, orgId, scope, selector);
        } catch (HostSelector.InvalidSelectorException e) {
          throw HttpProblem.badRequest("selector: " + e.getMessage());
        }
        requireWithinLimit(HostSelectors.count(handle, orgId, scope, selector), "the selector");
        yield HostSelectors.resolve(handle, orgId, scope, selector);
      }
    };
  }

  private static void requireWithinLimit(long hosts, String what) {
    if (hosts > BulkRequest.MAX_HOSTS) {
      throw HttpProblem.badRequest(
          what
              + " matches more than "
              + BulkJob.number(BulkRequest.MAX_HOSTS)
              + " hosts, the most one bulk action covers; narrow it down");
    }
  }

  private static BulkJob insert(
      Handle handle,
      UUID orgId,
      Actor by,
      BulkAction action,
      JsonNode parameters,
      List<UUID> hosts) {
    return handle
        .createQuery(
            """
            INSERT INTO bulk_jobs (org_id, requester_kind, requester_user_id, requester_name,
                                   api_key_id, api_key_name, requester_address, action,
                                   parameters, host_ids, total)
            VALUES (:org, :kind, :user, :name, :key, :keyName, :address, :action,
                    CAST(:parameters AS jsonb), :hosts, :total)
            RETURNING
            """
                + COLUMNS)
        .bind("org", orgId)
        .bind("kind", by.kind().dbName())
        .bind("user", by.userId().orElse(null))
        .bind("name", by.name())
        .bind("key", by.apiKeyId().orElse(null))
        .bind("keyName", by.apiKeyName().orElse(null))
        .bind("address", by.address().orElse(null))
        .bind("action", action.param())
        .bind("parameters", parameters.toString())
        .bindArray("hosts", UUID.class, hosts)
        .bind("total", hosts.size())
        .map((rs, ctx) -> job(rs))
        .one();
  }

  /**
   * The job, if the user may follow it: any job of their organisation, or for a user scoped to
   * groups only their own (another's counts would tell them about hosts they cannot see).
   */
  public Optional<BulkJob> find(Principal user, UUID id) {
    return jdbi.withHandle(
        handle ->
            handle
                .createQuery(
                    "SELECT "
                        + COLUMNS
                        + " FROM bulk_jobs WHERE id = :id AND org_id = :org"
                        + " AND (:wholeOrg OR requester_user_id = :user)")
                .bind("id", id)
                .bind("org", user.orgId())
                .bind("wholeOrg", user.scope().isWholeOrganisation())
                .bind("user", user.userId())
                .map((rs, ctx) -> job(rs))
                .findOne());
  }

  /** The organisation's static groups, by name: those hosts can be added to. */
  List<BulkPages.GroupChoice> staticGroups(UUID orgId) {
    return jdbi.withHandle(
        handle ->
            handle
                .createQuery(
                    "SELECT id, name FROM host_groups WHERE org_id = :org AND NOT dynamic"
                        + " ORDER BY lower(name)")
                .bind("org", orgId)
                .map(
                    (rs, ctx) ->
                        new BulkPages.GroupChoice(
                            rs.getObject("id", UUID.class), rs.getString("name")))
                .list());
  }

  static final String COLUMNS =
      """
      id, action, parameters::text AS parameters, state, total, done, changed, error,
      requester_name, created_at, started_at, finished_at
      """;

  static BulkJob job(ResultSet rs) throws SQLException {
    return new BulkJob(
        rs.getObject("id", UUID.class),
        BulkAction.fromDb(rs.getString("action")),
        parameters(rs.getString("parameters")),
        rs.getString("state"),
        rs.getInt("total"),
        rs.getInt("done"),
        rs.getInt("changed"),
        rs.getString("error"),
        rs.getString("requester_name"),
        instant(rs.getTimestamp("created_at")),
        instant(rs.getTimestamp("started_at")),
        instant(rs.getTimestamp("finished_at")));
  }

  static JsonNode parameters(String json) {
    try {
      return JSON.readTree(json);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("bulk job parameters are not JSON", e);
    }
  }

  private static Instant instant(Timestamp timestamp) {
    return timestamp == null ? null : timestamp.toInstant();
  }

  /** The tags a job's parameters name. */
  static List<Tag> tags(JsonNode parameters) {
    return StreamSupport.stream(parameters.path("tags").spliterator(), false)
        .map(t -> Tag.parse(t.asText()))
        .toList();
  }
}
