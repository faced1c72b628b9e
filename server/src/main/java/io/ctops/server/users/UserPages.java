package io.ctops.server.users;

import io.ctops.server.auth.ApiKeys;
import io.ctops.server.auth.PasswordHashing;
import io.ctops.server.auth.Principal;
import io.ctops.server.auth.Role;
import io.ctops.server.auth.UserScopes;
import io.ctops.server.auth.Users;
import io.ctops.server.auth.WebAccess;
import io.ctops.server.orgs.Organisations;
import io.ctops.server.web.HttpProblem;
import io.ctops.server.web.Pages;
import io.ctops.server.web.UuidParam;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import io.javalin.http.HttpStatus;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

/**
 * The users page (admins: list, add, change role, remove, limit a user to groups) and each user's
 * profile page (password, personal API keys).
 */
public final class UserPages {
  private final Pages pages;
  private final Users users;
  private final ApiKeys apiKeys;
  private final PasswordHashing passwords;
  private final Organisations organisations;
  private final UserScopes scopes;

  public UserPages(
      Pages pages,
      Users users,
      ApiKeys apiKeys,
      PasswordHashing passwords,
      Organisations organisations,
      UserScopes scopes) {
    this.pages = pages;
    this.users = users;
    this.apiKeys = apiKeys;
    this.passwords = passwords;
    this.organisations = organisations;
    this.scopes = scopes;
  }

  /** The users page; {@code scoped} holds the access of the users limited to groups. */
  public record UsersView(
      List<Users.User> users,
      List<Role> roles,
      UUID self,
      String message,
      boolean isError,
      int inventoryIntervalHours,
      Map<UUID, UserScopes.Access> scoped,
      boolean recordsTerminals,
      boolean engineersManageChecks,
      int certificateExpiringDays) {}

  /** A user's groups page: a role (or none) on each of the organisation's groups. */
  public record GroupsView(
      Users.User user,
      UserScopes.Access access,
      List<UserScopes.GroupName> groups,
      List<Role> groupRoles,
      String message) {}

  /** The profile page; {@code newKey} is shown once, right after it was created. */
  public record ProfileView(
      Principal user,
      List<ApiKeys.ApiKey> keys,
      Optional<String> newKey,
      String message,
      boolean isError) {}

  public void routes(RoutesConfig routes) {
    routes.get("/users", ctx -> usersPage(ctx, "", false));
    routes.post("/users", this::addUser);
    routes.post("/users/{id}/role", this::changeRole);
    routes.post("/users/{id}/remove", this::remove);
    routes.get("/users/{id}/groups", ctx -> groupsPage(ctx, ""));
    routes.post("/users/{id}/groups", this::scopeToGroups);
    routes.post("/settings/inventory-interval", this::inventoryInterval);
    routes.post("/settings/terminal-recording", this::terminalRecording);
    routes.post("/settings/engineers-manage-checks", this::engineersManageChecks);
    routes.post("/settings/certificate-expiring-days", this::certificateExpiringDays);
    routes.get("/profile", ctx -> profile(ctx, Optional.empty(), "", false));
    routes.post("/profile/password", this::changePassword);
    routes.post("/profile/api-keys", this::createKey);
    routes.post("/profile/api-keys/{id}/revoke", this::revokeKey);
  }

  /** Roles an organisation admin may hand out; only a super admin makes another super admin. */
  static List<Role> assignable(Principal by) {
    return by.role() == Role.SUPER_ADMIN
        ? List.of(Role.values())
        : List.of(Role.ORG_ADMIN, Role.ENGINEER, Role.READ_ONLY);
  }

  private void usersPage(Context ctx, String message, boolean isError) {
    Principal admin = WebAccess.requireAdmin(ctx);
    pages.page(
        ctx,
        "users.jte",
        "Users",
        "users",
        new UsersView(
            users.list(admin.orgId()),
            assignable(admin),
            admin.userId(),
            message,
            isError,
            organisations.inventoryIntervalHours(admin.orgId()),
            scopes.scoped(admin.orgId()),
            organisations.recordsTerminals(admin.orgId()),
            organisations.engineersManageChecks(admin.orgId()),
            organisations.certificateExpiringDays(admin.orgId())));
  }

  private Users.User user(Principal admin, Context ctx) {
    UUID id = UuidParam.parse(ctx.pathParam("id"), "user");
    return users
        .find(admin.orgId(), id)
        .orElseThrow(() -> HttpProblem.notFound("no such user in this organisation"));
  }

  private void groupsPage(Context ctx, String error) {
    Principal admin = WebAccess.requireAdmin(ctx);
    Users.User user = user(admin, ctx);
    pages.page(
        ctx,
        "user-groups.jte",
        "Access of " + user.email(),
        "users",
        new GroupsView(
            user,
            scopes.of(admin.orgId(), user.id()),
            scopes.groups(admin.orgId()),
            UserScopes.GROUP_ROLES,
            error));
  }

  /**
   * Limits a user to groups: one {@code group} field per group, {@code <group id>:<role>}, or empty
   * for no access to it.
   */
  private void scopeToGroups(Context ctx) {
    Principal admin = WebAccess.requireAdmin(ctx);
    Users.User user = user(admin, ctx);
    Map<UUID, Role> roles;
    Users.Change change;
    try {
      roles = groupRoles(ctx.formParams("group"));
      change = scopes.scopeToGroups(admin.orgId(), user.id(), roles, WebAccess.actor(ctx));
    } catch (IllegalArgumentException e) {
      ctx.status(400);
      groupsPage(ctx, e.getMessage());
      return;
    }
    outcome(ctx, change, "Access of " + user.email() + " limited to " + roles.size() + " groups");
  }

  /** Parses {@code <group id>:<role>} fields; empty ones (no access) are skipped. */
  static Map<UUID, Role> groupRoles(List<String> fields) {
    Map<UUID, Role> roles = new LinkedHashMap<>();
    for (String field : fields) {
      if (field.isBlank()) {
        continue;
      }
      int colon = field.indexOf(':');
      Optional<Role> role =
          colon < 0 ? Optional.empty() : Role.parse(field.substring(colon + 1).strip());
      Optional<UUID> group = colon < 0 ? Optional.empty() : uuid(field.substring(0, colon).strip());
      if (role.isEmpty() || group.isEmpty()) {
        throw new IllegalArgumentException(
            "each group field is <group id>:<engineer or read_only>, not \"" + field + "\"");
      }
      if (roles.put(group.get(), role.get()) != null) {
        throw new IllegalArgumentException("group " + group.get() + " is given twice");
      }
    }
    return roles;
  }

  private Role role(Principal admin, String name) {
    Role role =
        Role.parse(name == null ? "" : name)
            .orElseThrow(
                () -> HttpProblem.badRequest("role must be org_admin, engineer or read_only"));
    if (!assignable(admin).contains(role)) {
      throw HttpProblem.forbidden("only a super admin may grant " + role.dbName());
    }
    return role;
  }

  private void addUser(Context ctx) {
    Principal admin = WebAccess.requireAdmin(ctx);
    Role role = role(admin, ctx.formParam("role"));
    Users.NewUser user;
    try {
      user =
          new Users.NewUser(
              ctx.formParam("email"),
              ctx.formParam("display_name"),
              ctx.formParam("password"),
              role);
    } catch (IllegalArgumentException e) {
      ctx.status(400);
      usersPage(ctx, e.getMessage(), true);
      return;
    }
    switch (users.create(admin.orgId(), user, WebAccess.actor(ctx))) {
      case Users.Creation.Created c -> usersPage(ctx, "Added " + c.user().email(), false);
      case Users.Creation.EmailTaken t -> {
        ctx.status(409);
        usersPage(ctx, "An account with " + t.email() + " already exists", true);
      }
    }
  }

  private void inventoryInterval(Context ctx) {
    Principal admin = WebAccess.requireAdmin(ctx);
    try {
      int hours = Integer.parseInt(Optional.ofNullable(ctx.formParam("hours")).orElse("").strip());
      organisations.setInventoryIntervalHours(admin.orgId(), hours, WebAccess.actor(ctx));
      usersPage(ctx, "Software is now scanned every " + hours + " hours", false);
    } catch (IllegalArgumentException e) {
      ctx.status(400);
      usersPage(
          ctx,
          e instanceof NumberFormatException
              ? "the scan interval must be a whole number of hours"
              : e.getMessage(),
          true);
    }
  }

  private void terminalRecording(Context ctx) {
    Principal admin = WebAccess.requireAdmin(ctx);
    boolean record =
        switch (Optional.ofNullable(ctx.formParam("record")).orElse("")) {
          case "1" -> true;
          case "0" -> false;
          default -> throw HttpProblem.badRequest("record must be 1 (on) or 0 (off)");
        };
    organisations.setTerminalRecording(admin.orgId(), record, WebAccess.actor(ctx));
    usersPage(
        ctx,
        record
            ? "New terminal sessions are recorded (their output only)"
            : "New terminal sessions are not recorded",
        false);
  }

  private void engineersManageChecks(Context ctx) {
    Principal admin = WebAccess.requireAdmin(ctx);
    boolean allowed =
        switch (Optional.ofNullable(ctx.formParam("allow")).orElse("")) {
          case "1" -> true;
          case "0" -> false;
          default -> throw HttpProblem.badRequest("allow must be 1 (on) or 0 (off)");
        };
    organisations.setEngineersManageChecks(admin.orgId(), allowed, WebAccess.actor(ctx));
    usersPage(ctx, allowed ? "Engineers may define checks" : "Only admins define checks", false);
  }

  private void certificateExpiringDays(Context ctx) {
    Principal admin = WebAccess.requireAdmin(ctx);
    try {
      int days = Integer.parseInt(Optional.ofNullable(ctx.formParam("days")).orElse("").strip());
      organisations.setCertificateExpiringDays(admin.orgId(), days, WebAccess.actor(ctx));
      usersPage(ctx, "Certificates now show as expiring " + days + " days ahead", false);
    } catch (IllegalArgumentException e) {
      ctx.status(400);
      usersPage(
          ctx,
          e instanceof NumberFormatException
              ? "certificates show as expiring a whole number of days ahead, 1 to 365"
              : e.getMessage(),
          true);
    }
  }

  private void changeRole(Context ctx) {
    Principal admin = WebAccess.requireAdmin(ctx);
    UUID id = UuidParam.parse(ctx.pathParam("id"), "user");
    Role role = role(admin, ctx.formParam("role"));
    outcome(ctx, users.changeRole(admin.orgId(), id, role, WebAccess.actor(ctx)), "Role changed");
  }

  private void remove(Context ctx) {
    Principal admin = WebAccess.requireAdmin(ctx);
    UUID id = UuidParam.parse(ctx.pathParam("id"), "user");
    outcome(ctx, users.remove(admin.orgId(), id, WebAccess.actor(ctx)), "User removed");
  }

  private void outcome(Context ctx, Users.Change change, String done) {
    switch (change) {
      case Users.Change.Done d -> usersPage(ctx, done, false);
      case Users.Change.NotFound n ->
          throw HttpProblem.notFound("no such user in this organisation");
      case Users.Change.Refused r -> {
        ctx.status(409);
        usersPage(ctx, r.reason(), true);
      }
    }
  }

  private static Optional<UUID> uuid(String text) {
    try {
      return Optional.of(UUID.fromString(text));
    } catch (IllegalArgumentException e) {
      return Optional.empty();
    }
  }

  private void profile(Context ctx, Optional<String> newKey, String message, boolean isError) {
    Principal user = WebAccess.principal(ctx);
    pages.page(
        ctx,
        "profile.jte",
        "Profile",
        "profile",
        new ProfileView(user, apiKeys.list(user.userId()), newKey, message, isError));
  }

  private void changePassword(Context ctx) {
    Principal user = WebAccess.principal(ctx);
    String current = Optional.ofNullable(ctx.formParam("current_password")).orElse("");
    String next = Optional.ofNullable(ctx.formParam("new_password")).orElse("");
    Optional<Users.Credentials> credentials = users.credentials(user.email());
    if (credentials.isEmpty() || !passwords.matches(current, credentials.get().passwordHash())) {
      ctx.status(400);
      profile(ctx, Optional.empty(), "The current password is wrong", true);
      return;
    }
    try {
      users.changePassword(user.userId(), user.orgId(), next, WebAccess.actor(ctx));
    } catch (IllegalArgumentException e) {
      ctx.status(400);
      profile(ctx, Optional.empty(), e.getMessage(), true);
      return;
    }
    ctx.redirect("/login", HttpStatus.SEE_OTHER);
  }

  private void createKey(Context ctx) {
    Principal user = WebAccess.principal(ctx);
    if (user.viaApiKey()) {
      throw HttpProblem.forbidden("API keys are created from the profile page, not with a key");
    }
    try {
      ApiKeys.CreatedKey key =
          apiKeys.create(user.userId(), user.orgId(), ctx.formParam("name"), WebAccess.actor(ctx));
      profile(
          ctx,
          Optional.of(key.plainKey()),
          "Key created; copy it now, it is not shown again",
          false);
    } catch (IllegalArgumentException e) {
      ctx.status(400);
      profile(ctx, Optional.empty(), e.getMessage(), true);
    }
  }

  private void revokeKey(Context ctx) {
    Principal user = WebAccess.principal(ctx);
    UUID id = UuidParam.parse(ctx.pathParam("id"), "API key");
    if (!apiKeys.revoke(user.userId(), user.orgId(), id, WebAccess.actor(ctx))) {
      throw HttpProblem.notFound("no such live API key of yours");
    }
    ctx.redirect("/profile", HttpStatus.SEE_OTHER);
  }
}
