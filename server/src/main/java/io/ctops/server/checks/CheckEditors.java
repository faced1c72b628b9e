package io.ctops.server.checks;

import io.ctops.server.auth.Principal;
import io.ctops.server.auth.Role;
import io.ctops.server.auth.WebAccess;
import io.ctops.server.orgs.Organisations;
import io.ctops.server.web.HttpProblem;
import io.javalin.http.Context;

/**
 * Who may define checks: admins, and engineers when the organisation allows it. A user limited to
 * some groups defines checks only for hosts they see: their selector names one of their groups or
 * one of their hosts ({@code HostSelectors.requireKnown} with their scope refuses other groups and
 * hosts; "all" and tag selectors reach beyond their groups and are refused here).
 */
public final class CheckEditors {
  private final Organisations organisations;

  public CheckEditors(Organisations organisations) {
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
}
