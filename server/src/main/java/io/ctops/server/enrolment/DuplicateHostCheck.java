package io.ctops.server.enrolment;

import java.util.List;
import java.util.UUID;
import org.jdbi.v3.core.Handle;

/**
 * Two live hosts of one organisation may not share a hostname or an IP address. Finds the live
 * hosts a host (registering, or being approved) would collide with.
 */
public final class DuplicateHostCheck {
  private DuplicateHostCheck() {}

  /** A live host that shares the hostname or an address with the one being checked. */
  public record Conflict(
      UUID hostId, String hostname, String hostStatus, String agentStatus, boolean sameHostname) {

    /** Online, or its agent revoked: the newcomer is refused rather than adopted. */
    public boolean blocksAdoption() {
      return "online".equals(hostStatus) || "revoked".equals(agentStatus);
    }

    public String describe() {
      return "host '"
          + hostname
          + "' ("
          + hostId
          + ", "
          + hostStatus
          + ") already has this "
          + (sameHostname ? "hostname" : "IP address")
          + "; delete the existing host first";
    }
  }

  public static List<Conflict> conflicts(
      Handle handle, UUID orgId, UUID excludingHostId, String hostname, List<String> ips) {
    return handle
        .createQuery(
            """
            SELECT h.id, h.hostname, h.status, a.status AS agent_status,
                   lower(h.hostname) = lower(:hostname) AS same_hostname
            FROM hosts h
            LEFT JOIN agents a ON a.id = h.agent_id
            WHERE h.org_id = :org
              AND h.deleted_at IS NULL
              AND h.id IS DISTINCT FROM :self
              AND (lower(h.hostname) = lower(:hostname)
                   OR h.ip_addresses && CAST(:ips AS inet[]))
            ORDER BY same_hostname DESC,
                     -- looked up per match: a join let the planner scan every host's vitals
                     (SELECT v.last_seen FROM host_vitals v WHERE v.host_id = h.id)
                         DESC NULLS LAST
            """)
        .bind("org", orgId)
        .bind("self", excludingHostId)
        .bind("hostname", hostname)
        .bind("ips", ips.toArray(String[]::new))
        .map(
            (rs, ctx) ->
                new Conflict(
                    rs.getObject("id", UUID.class),
                    rs.getString("hostname"),
                    rs.getString("status"),
                    rs.getString("agent_status"),
                    rs.getBoolean("same_hostname")))
        .list();
  }
}
