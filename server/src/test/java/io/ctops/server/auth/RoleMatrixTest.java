package io.ctops.server.auth;

import static org.assertj.core.api.Assertions.assertThat;

import io.ctops.server.platform.database.Database;
import io.ctops.server.testing.FreshDatabase;
import io.ctops.server.testing.RegisteredRoutes;
import io.ctops.server.testing.RegisteredRoutes.Route;
import io.ctops.server.testing.SeededWeb;
import io.ctops.server.testing.WebClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Who may change what: every state-changing route with the least role that may use it. A route
 * registered without a line here fails the build; every role below the line gets 403, every role at
 * or above it gets past the role check.
 */
@ExtendWith(FreshDatabase.class)
class RoleMatrixTest {
  /** The least role a route needs; PUBLIC routes are reached before signing in. */
  enum Least {
    PUBLIC,
    SIGNED_IN,
    ENGINEER,
    ADMIN,
    SUPER_ADMIN
  }

  private static final Map<String, Least> MATRIX = new LinkedHashMap<>();

  static {
    MATRIX.put("POST /setup", Least.PUBLIC);
    MATRIX.put("POST /login", Least.PUBLIC);
    MATRIX.put("POST /logout", Least.SIGNED_IN);
    MATRIX.put("POST /profile/password", Least.SIGNED_IN);
    MATRIX.put("POST /profile/api-keys", Least.SIGNED_IN);
    MATRIX.put("POST /profile/api-keys/{id}/revoke", Least.SIGNED_IN);
    MATRIX.put("POST /hosts/{id}/rescan", Least.ENGINEER);
    MATRIX.put("POST /hosts/{id}/certificates/rescan", Least.ENGINEER);
    MATRIX.put("POST /hosts/{id}/accounts/rescan", Least.ENGINEER);
    MATRIX.put("POST /api/v1/hosts/{id}/rescan", Least.ENGINEER);
    MATRIX.put("POST /api/v1/hosts/{id}/tasks", Least.ENGINEER);
    MATRIX.put("POST /api/v1/tasks/{id}/cancel", Least.ENGINEER);
    MATRIX.put("POST /hosts/{id}/services/refresh", Least.SIGNED_IN);
    MATRIX.put("POST /hosts/{id}/services/action", Least.ENGINEER);
    MATRIX.put("POST /hosts/{id}/ports/refresh", Least.SIGNED_IN);
    MATRIX.put("POST /hosts/{id}/terminal/sessions", Least.ENGINEER);
    MATRIX.put("POST /settings/terminal-recording", Least.ADMIN);
    MATRIX.put("POST /hosts/{id}/terminal/sessions/{session}/ticket", Least.ENGINEER);
    MATRIX.put("POST /hosts/{id}/terminal/sessions/{session}/stop", Least.ADMIN);
    MATRIX.put("POST /api/v1/hosts/{id}/services/refresh", Least.SIGNED_IN);
    MATRIX.put("POST /api/v1/hosts/{id}/ports/refresh", Least.SIGNED_IN);
    MATRIX.put("POST /hosts/{id}/display-name", Least.ENGINEER);
    MATRIX.put("PATCH /api/v1/hosts/{id}", Least.ENGINEER);
    MATRIX.put("POST /hosts/{id}/notes", Least.ENGINEER);
    MATRIX.put("POST /groups/{id}/notes", Least.ENGINEER);
    MATRIX.put("POST /notes/preview", Least.ENGINEER);
    MATRIX.put("POST /notes/{id}/edit", Least.ENGINEER);
    MATRIX.put("POST /notes/{id}/pin", Least.ENGINEER);
    MATRIX.put("POST /notes/{id}/delete", Least.ENGINEER);
    MATRIX.put("POST /api/v1/hosts/{id}/notes", Least.ENGINEER);
    MATRIX.put("POST /api/v1/groups/{id}/notes", Least.ENGINEER);
    MATRIX.put("PATCH /api/v1/notes/{id}", Least.ENGINEER);
    MATRIX.put("DELETE /api/v1/notes/{id}", Least.ENGINEER);
    // the action decides beyond this (delete and the group actions: admins); see BulkActionsTest
    MATRIX.put("POST /hosts/bulk", Least.ENGINEER);
    MATRIX.put("POST /api/v1/hosts/bulk", Least.ENGINEER);
    MATRIX.put("POST /agents/{id}/approve", Least.ADMIN);
    MATRIX.put("POST /agents/{id}/revoke", Least.ADMIN);
    MATRIX.put("POST /api/v1/agents/{id}/approve", Least.ADMIN);
    MATRIX.put("POST /api/v1/agents/{id}/revoke", Least.ADMIN);
    MATRIX.put("POST /hosts/{id}/delete", Least.ADMIN);
    MATRIX.put("POST /hosts/{id}/delete-permanently", Least.ADMIN);
    MATRIX.put("POST /hosts/{id}/restore", Least.ADMIN);
    MATRIX.put("DELETE /api/v1/hosts/{id}", Least.ADMIN);
    MATRIX.put("POST /tokens", Least.ADMIN);
    MATRIX.put("POST /tokens/bundle", Least.ADMIN);
    MATRIX.put("POST /tokens/{id}/revoke", Least.ADMIN);
    MATRIX.put("POST /api/v1/tokens", Least.ADMIN);
    MATRIX.put("POST /api/v1/tokens/{id}/revoke", Least.ADMIN);
    MATRIX.put("POST /users", Least.ADMIN);
    MATRIX.put("POST /users/{id}/remove", Least.ADMIN);
    MATRIX.put("POST /users/{id}/role", Least.ADMIN);
    MATRIX.put("POST /users/{id}/groups", Least.ADMIN);
    MATRIX.put("POST /settings/inventory-interval", Least.ADMIN);
    MATRIX.put("POST /hosts/{id}/tags", Least.ENGINEER);
    MATRIX.put("POST /hosts/{id}/tags/remove", Least.ENGINEER);
    MATRIX.put("POST /api/v1/hosts/{id}/tags", Least.ENGINEER);
    MATRIX.put("DELETE /api/v1/hosts/{id}/tags/{tag}", Least.ENGINEER);
    MATRIX.put("POST /api/v1/host-selectors/resolve", Least.SIGNED_IN);
    MATRIX.put("POST /groups", Least.ADMIN);
    MATRIX.put("POST /groups/{id}", Least.ADMIN);
    MATRIX.put("POST /groups/{id}/delete", Least.ADMIN);
    MATRIX.put("POST /groups/{id}/members", Least.ADMIN);
    MATRIX.put("POST /groups/{id}/members/remove", Least.ADMIN);
    MATRIX.put("POST /api/v1/groups", Least.ADMIN);
    MATRIX.put("PATCH /api/v1/groups/{id}", Least.ADMIN);
    MATRIX.put("DELETE /api/v1/groups/{id}", Least.ADMIN);
    MATRIX.put("POST /api/v1/groups/{id}/members", Least.ADMIN);
    MATRIX.put("DELETE /api/v1/groups/{id}/members", Least.ADMIN);
    MATRIX.put("POST /api/v1/alert-rules", Least.ADMIN);
    MATRIX.put("POST /api/v1/checks", Least.ADMIN);
    MATRIX.put("PATCH /api/v1/checks/{id}", Least.ADMIN);
    MATRIX.put("DELETE /api/v1/checks/{id}", Least.ADMIN);
    // engineers too where the organisation allows it; the seeded one does not
    MATRIX.put("POST /checks", Least.ADMIN);
    MATRIX.put("POST /checks/{id}", Least.ADMIN);
    MATRIX.put("POST /checks/{id}/enable", Least.ADMIN);
    MATRIX.put("POST /checks/{id}/disable", Least.ADMIN);
    MATRIX.put("POST /checks/{id}/delete", Least.ADMIN);
    MATRIX.put("POST /settings/engineers-manage-checks", Least.ADMIN);
    MATRIX.put("POST /settings/certificate-expiring-days", Least.ADMIN);
    MATRIX.put("POST /api/v1/alert-rules/preview", Least.ADMIN);
    MATRIX.put("PATCH /api/v1/alert-rules/{id}", Least.ADMIN);
    MATRIX.put("DELETE /api/v1/alert-rules/{id}", Least.ADMIN);
    MATRIX.put("POST /api/v1/alerts/{id}/acknowledge", Least.ENGINEER);
    MATRIX.put("POST /alerts/{id}/acknowledge", Least.ENGINEER);
    MATRIX.put("POST /alerts/rules", Least.ADMIN);
    MATRIX.put("POST /alerts/rules/preview", Least.ADMIN);
    MATRIX.put("POST /alerts/rules/{id}", Least.ADMIN);
    MATRIX.put("POST /alerts/rules/{id}/delete", Least.ADMIN);
    MATRIX.put("POST /notifications/read", Least.SIGNED_IN);
    MATRIX.put("POST /alerts/silences", Least.ENGINEER);
    MATRIX.put("POST /alerts/silences/{id}", Least.ENGINEER);
    MATRIX.put("POST /alerts/silences/{id}/end", Least.ENGINEER);
    MATRIX.put("POST /api/v1/silences", Least.ENGINEER);
    MATRIX.put("PATCH /api/v1/silences/{id}", Least.ENGINEER);
    MATRIX.put("DELETE /api/v1/silences/{id}", Least.ENGINEER);
    MATRIX.put("POST /api/v1/notifications/read", Least.SIGNED_IN);
    MATRIX.put("POST /alerts/channels", Least.ADMIN);
    MATRIX.put("POST /alerts/channels/smtp", Least.ADMIN);
    MATRIX.put("POST /alerts/channels/{id}", Least.ADMIN);
    MATRIX.put("POST /alerts/channels/{id}/delete", Least.ADMIN);
    MATRIX.put("POST /alerts/channels/{id}/test", Least.ADMIN);
    MATRIX.put("POST /api/v1/notification-channels", Least.ADMIN);
    MATRIX.put("PATCH /api/v1/notification-channels/{id}", Least.ADMIN);
    MATRIX.put("DELETE /api/v1/notification-channels/{id}", Least.ADMIN);
    MATRIX.put("POST /api/v1/notification-channels/{id}/test", Least.ADMIN);
    MATRIX.put("PUT /api/v1/settings/smtp", Least.ADMIN);
    MATRIX.put("POST /orgs", Least.SUPER_ADMIN);
    MATRIX.put("POST /orgs/switch", Least.SUPER_ADMIN);
  }

  /** API bodies for routes whose needed role depends on what is asked. */
  private static final Map<String, String> BODIES =
      Map.of(
          "POST /api/v1/hosts/{id}/tasks", "{\"type\": \"software_inventory\"}",
          "PATCH /api/v1/hosts/{id}", "{\"display_name\": \"renamed\"}",
          "POST /api/v1/hosts/{id}/notes", "{\"body\": \"a note\"}",
          "POST /api/v1/groups/{id}/notes", "{\"body\": \"a note\"}",
          "PATCH /api/v1/notes/{id}", "{\"pinned\": true}",
          "POST /api/v1/hosts/{id}/tags", "{\"tags\": [\"env:prod\"]}",
          "POST /api/v1/host-selectors/resolve", "{\"kind\": \"all\"}",
          "PATCH /api/v1/alert-rules/{id}", "{\"enabled\": false}",
          "PATCH /api/v1/checks/{id}", "{\"enabled\": false}",
          "POST /api/v1/alerts/{id}/acknowledge", "{\"comment\": \"on it\"}");

  /** From the least to the most allowed, as this test signs them in. */
  private static final List<Role> ROLES =
      List.of(Role.READ_ONLY, Role.ENGINEER, Role.ORG_ADMIN, Role.SUPER_ADMIN);

  private SeededWeb seeded;

  @BeforeEach
  void start(Database database) {
    seeded = SeededWeb.on(database);
  }

  @AfterEach
  void stop() {
    seeded.close();
  }

  @Test
  void everyStateChangingRouteIsInTheMatrixAndNothingElseIs() {
    Set<String> registered = new TreeSet<>();
    RegisteredRoutes.all().stream()
        .filter(Route::changesState)
        .forEach(route -> registered.add(route.toString()));

    assertThat(registered)
        .as("state-changing routes; add a new one to MATRIX with the least role it needs")
        .containsExactlyInAnyOrderElementsOf(MATRIX.keySet());
  }

  @Test
  void rolesBelowTheLineAreForbiddenAndRolesAboveItAreNot() {
    List<String> wrong = new ArrayList<>();
    // refusals first: an allowed call may delete what a later refusal is asked about
    for (Map.Entry<String, Least> entry : MATRIX.entrySet()) {
      for (Role role : ROLES) {
        if (entry.getValue() != Least.PUBLIC && !allowed(entry.getValue(), role)) {
          int status = send(entry.getKey(), seeded.client(role));
          if (status != 403) {
            wrong.add(entry.getKey() + " as " + role.dbName() + " gave " + status + ", not 403");
          }
        }
      }
    }
    for (Map.Entry<String, Least> entry : MATRIX.entrySet()) {
      if (entry.getValue() == Least.PUBLIC || entry.getKey().equals("POST /logout")) {
        continue;
      }
      for (Role role : ROLES) {
        if (allowed(entry.getValue(), role)) {
          int status = send(entry.getKey(), seeded.client(role));
          if (status == 403 || status == 401) {
            wrong.add(entry.getKey() + " as " + role.dbName() + " was refused (" + status + ")");
          }
        }
      }
    }
    assertThat(wrong).isEmpty();
  }

  private static boolean allowed(Least least, Role role) {
    return switch (least) {
      case PUBLIC, SIGNED_IN -> true;
      case ENGINEER -> role != Role.READ_ONLY;
      case ADMIN -> role == Role.ORG_ADMIN || role == Role.SUPER_ADMIN;
      case SUPER_ADMIN -> role == Role.SUPER_ADMIN;
    };
  }

  private int send(String route, WebClient client) {
    String[] parts = route.split(" ", 2);
    String path = seeded.concrete(parts[1]);
    if (parts[1].startsWith("/api/")) {
      HttpResponse<String> response =
          client.send(
              client
                  .request(path)
                  .header("Content-Type", "application/json")
                  .header("X-CSRF-Token", client.csrf())
                  .method(
                      parts[0],
                      HttpRequest.BodyPublishers.ofString(BODIES.getOrDefault(route, "{}")))
                  .build());
      return response.statusCode();
    }
    return client.post(path, Map.of()).statusCode();
  }
}
