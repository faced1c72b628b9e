package io.ctops.server.auth;

import java.util.Arrays;
import java.util.Optional;

/** What a user may do in their organisation; {@code super_admin} administers every organisation. */
public enum Role {
  SUPER_ADMIN("super_admin", "Super admin"),
  ORG_ADMIN("org_admin", "Admin"),
  ENGINEER("engineer", "Engineer"),
  READ_ONLY("read_only", "Read only");

  private final String dbName;
  private final String label;

  Role(String dbName, String label) {
    this.dbName = dbName;
    this.label = label;
  }

  public String dbName() {
    return dbName;
  }

  public String label() {
    return label;
  }

  /** Approves, revokes and deletes hosts, manages tokens and users. */
  public boolean isAdmin() {
    return this == SUPER_ADMIN || this == ORG_ADMIN;
  }

  public static Optional<Role> parse(String name) {
    return Arrays.stream(values()).filter(r -> r.dbName.equals(name)).findFirst();
  }

  public static Role fromDb(String name) {
    return parse(name).orElseThrow(() -> new IllegalStateException("unknown role " + name));
  }
}
