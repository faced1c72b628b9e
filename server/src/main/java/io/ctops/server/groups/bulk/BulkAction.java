package io.ctops.server.groups.bulk;

import io.ctops.server.audit.AuditAction;
import io.ctops.server.auth.Role;
import io.ctops.server.web.HttpProblem;
import java.util.Arrays;
import java.util.stream.Collectors;

/**
 * What a bulk job does to each of its hosts, who may ask for it (as for the same action on one
 * host), and the audit action its one entry is recorded under.
 */
public enum BulkAction {
  TAG("tag", "Tag", Role.ENGINEER, AuditAction.HOST_TAG),
  UNTAG("untag", "Untag", Role.ENGINEER, AuditAction.HOST_UNTAG),
  ADD_TO_GROUP("add_to_group", "Add to group", Role.ORG_ADMIN, AuditAction.GROUP_MEMBERS_ADD),
  REMOVE_FROM_GROUP(
      "remove_from_group", "Remove from group", Role.ORG_ADMIN, AuditAction.GROUP_MEMBERS_REMOVE),
  RESCAN("rescan", "Rescan inventory", Role.ENGINEER, AuditAction.HOST_RESCAN),
  DELETE("delete", "Delete", Role.ORG_ADMIN, AuditAction.HOST_DELETE);

  private final String param;
  private final String label;
  private final Role leastRole;
  final AuditAction audit;

  BulkAction(String param, String label, Role leastRole, AuditAction audit) {
    this.param = param;
    this.label = label;
    this.leastRole = leastRole;
    this.audit = audit;
  }

  public String param() {
    return param;
  }

  public String label() {
    return label;
  }

  public boolean needsTags() {
    return this == TAG || this == UNTAG;
  }

  public boolean needsGroup() {
    return this == ADD_TO_GROUP || this == REMOVE_FROM_GROUP;
  }

  /** Whether a user (or a group role) with {@code role} may ask for it. */
  public boolean mayRequest(Role role) {
    return role.compareTo(leastRole) <= 0;
  }

  /** Who may, in the words of a refusal. */
  String whoMay() {
    return leastRole == Role.ENGINEER ? "engineers and admins" : "admins";
  }

  static BulkAction parse(String value) {
    return Arrays.stream(values())
        .filter(a -> a.param.equals(value))
        .findFirst()
        .orElseThrow(
            () ->
                HttpProblem.badRequest(
                    "action must be one of "
                        + Arrays.stream(values())
                            .map(BulkAction::param)
                            .collect(Collectors.joining(", "))));
  }

  static BulkAction fromDb(String value) {
    return Arrays.stream(values())
        .filter(a -> a.param.equals(value))
        .findFirst()
        .orElseThrow(() -> new IllegalStateException("unknown bulk action " + value));
  }
}
