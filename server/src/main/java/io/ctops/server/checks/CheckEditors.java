package io.ctops.server.checks;

import io.ctops.server.auth.Principal;
import io.ctops.server.auth.Role;
import io.ctops.server.auth.WebAccess;
import io.ctops.server.orgs.Organisations;
import io.ctops.server.web.HttpProblem;
import io.ctops.server.web.UuidParam;
import io.javalin.http.Context;
import java.util.UUID;
import org.jdbi.v3.core.Jdbi;

/**
 * Who may define checks: admins, and engineers when the organisation allows it. A user limited to
 * some groups defines checks only for hosts they see: their selector names one of their groups or
 * one of their hosts ({@code HostSelectors.requireKnown} with their scope refuses other groups and
 * hosts; "all" and tag selectors reach beyond their groups and are refused here).
 */
public final class CheckEditors {
  private final Jdbi jdbi;
  private final Organisations organisations;

  public CheckEditors(Jdbi jdbi, Organisations organisations) {
    this.jdbi = jdbi;
    this.organisations = organisations;
  }

  /** Whether this user may define checks. */
  public boolean mayEdit(Principal user) {
    return user.isAdmin()
        || user.role() == Role.ENGINEER && organisations.engineersManageChecks(user.orgId());
  }

  /** The user, when they may define checks; 403 saying who may otherwise. */
  public Principal require(Context ctx) {
    Principal user = WebAccess.principal(ctx);
    if (!mayEdit(user)) {
      throw HttpProblem.forbidden(
          user.role() == Role.ENGINEER
              ? "only admins define checks in this organisation (an admin can allow engineers"
                  + " on the Users page)"
              : "only admins and allowed engineers define checks");
    }
    return user;
  }

  /** The id of a live host the user sees; 404 otherwise. */
  public UUID requireVisibleHost(Principal user, String pathId) {
    UUID id = UuidParam.parse(pathId, "host");
    boolean visible =
        jdbi.withHandle(
            h ->
                user.scope()
                    .bind(
                        h.createQuery(
                                "SELECT count(*) > 0 FROM hosts h WHERE h.id = :id"
                                    + " AND h.org_id = :org AND h.deleted_at IS NULL"
                                    + user.scope().filter("h.id"))
                            .bind("id", id)
                            .bind("org", user.orgId()))
                    .mapTo(Boolean.class)
                    .one());
    if (!visible) {
      throw HttpProblem.notFound("no such host in this organisation");
    }
    return id;
  }
}
