package io.ctops.server.testing;

import java.sql.Timestamp;
import java.time.Instant;
import java.util.UUID;
import org.jdbi.v3.core.Jdbi;

/** A host row written straight into the database, for list and page tests. */
public final class HostSeed {
  private String hostname = "host-" + UUID.randomUUID().toString().substring(0, 8);
  private String displayName;
  private String os = "Ubuntu";
  private String ips = "{}";
  private Float cpu;
  private Float memory;
  private Float disk;
  private String status = "online";
  private Instant lastSeen = Instant.now();
  private boolean deleted;
  private boolean withAgent;
  private String agentStatus = "active";

  public static HostSeed aHost(String hostname) {
    HostSeed seed = new HostSeed();
    seed.hostname = hostname;
    return seed;
  }

  public HostSeed displayName(String value) {
    this.displayName = value;
    return this;
  }

  public HostSeed os(String value) {
    this.os = value;
    return this;
  }

  public HostSeed ips(String... values) {
    this.ips = "{" + String.join(",", values) + "}";
    return this;
  }

  public HostSeed vitals(Float cpu, Float memory, Float disk) {
    this.cpu = cpu;
    this.memory = memory;
    this.disk = disk;
    return this;
  }

  public HostSeed status(String value) {
    this.status = value;
    return this;
  }

  public HostSeed lastSeen(Instant value) {
    this.lastSeen = value;
    return this;
  }

  public HostSeed deleted() {
    this.deleted = true;
    return this;
  }

  /** With an agent row in the given status (pending agents show in the approval panel). */
  public HostSeed agent(String status) {
    this.withAgent = true;
    this.agentStatus = status;
    return this;
  }

  public UUID insert(Jdbi jdbi, UUID org) {
    return jdbi.withHandle(
        h -> {
          UUID agent = null;
          if (withAgent) {
            agent =
                h.createQuery(
                        "INSERT INTO agents (org_id, public_key, status) VALUES (:org, :key, :status)"
                            + " RETURNING id")
                    .bind("org", org)
                    .bind("key", "test-key-" + UUID.randomUUID())
                    .bind("status", agentStatus)
                    .mapTo(UUID.class)
                    .one();
          }
          UUID host =
              h.createQuery(
                      """
                      INSERT INTO hosts (org_id, agent_id, hostname, display_name, os,
                                         ip_addresses, status, deleted_at)
                      VALUES (:org, :agent, :hostname, :display, :os, CAST(:ips AS inet[]),
                              :status, :deleted)
                      RETURNING id
                      """)
                  .bind("org", org)
                  .bind("agent", agent)
                  .bind("hostname", hostname)
                  .bind("display", displayName)
                  .bind("os", os)
                  .bind("ips", ips)
                  .bind("status", status)
                  .bind("deleted", deleted ? Timestamp.from(Instant.now()) : null)
                  .mapTo(UUID.class)
                  .one();
          h.createUpdate(
                  """
                  UPDATE host_vitals SET cpu_percent = :cpu, memory_percent = :memory,
                                         disk_percent = :disk, last_seen = :lastSeen
                   WHERE host_id = :host
                  """)
              .bind("cpu", cpu)
              .bind("memory", memory)
              .bind("disk", disk)
              .bind("lastSeen", lastSeen == null ? null : Timestamp.from(lastSeen))
              .bind("host", host)
              .execute();
          return host;
        });
  }
}
