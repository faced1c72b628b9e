package io.ctops.server.alerts.notify;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.jdbi.v3.core.Handle;

/** A channel as saved: its row in {@code notification_channels} with its kind's settings. */
record StoredChannel(
    UUID id,
    UUID orgId,
    String name,
    Channel channel,
    boolean enabled,
    Instant createdAt,
    Instant updatedAt) {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String COLUMNS =
      "id, org_id, name, kind, config::text AS config, enabled, created_at, updated_at";

  static Optional<StoredChannel> find(Handle handle, UUID orgId, UUID id) {
    return handle
        .createQuery(
            "SELECT " + COLUMNS + " FROM notification_channels WHERE org_id = :org AND id = :id")
        .bind("org", orgId)
        .bind("id", id)
        .map((rs, ctx) -> of(rs))
        .findOne();
  }

  static List<StoredChannel> list(Handle handle, UUID orgId) {
    return handle
        .createQuery(
            "SELECT "
                + COLUMNS
                + " FROM notification_channels WHERE org_id = :org ORDER BY lower(name), id")
        .bind("org", orgId)
        .map((rs, ctx) -> of(rs))
        .list();
  }

  static StoredChannel of(ResultSet rs) throws SQLException {
    JsonNode config;
    try {
      config = JSON.readTree(rs.getString("config"));
    } catch (IOException e) {
      throw new SQLException("notification_channels.config is not JSON", e);
    }
    return new StoredChannel(
        rs.getObject("id", UUID.class),
        rs.getObject("org_id", UUID.class),
        rs.getString("name"),
        Channel.fromStored(rs.getString("kind"), config),
        rs.getBoolean("enabled"),
        rs.getTimestamp("created_at").toInstant(),
        rs.getTimestamp("updated_at").toInstant());
  }
}
