package io.ctops.loadtest;

import io.ctops.agent.inventory.InstalledPackage;
import io.ctops.server.auth.HostScope;
import io.ctops.server.inventory.FleetSoftware;
import io.ctops.server.inventory.SoftwareScans;
import io.ctops.server.platform.config.DatabaseSettings;
import io.ctops.server.platform.database.Database;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

/**
 * Software inventory benchmark on an embedded PostgreSQL: stores 20,000-package scans (a first one
 * and a re-scan) and times the fleet search over HOSTS hosts × PACKAGES packages each.
 *
 * <p>Usage: {@code InventoryBench [hosts] [packagesPerHost] [repetitions]}.
 */
public final class InventoryBench {
  private InventoryBench() {}

  public static void main(String[] args) throws Exception {
    int hosts = args.length > 0 ? Integer.parseInt(args[0]) : 10_000;
    int perHost = args.length > 1 ? Integer.parseInt(args[1]) : 1_500;
    int repetitions = args.length > 2 ? Integer.parseInt(args[2]) : 30;
    Path dataDir = Files.createTempDirectory("ctops-inventory-bench-");
    Clock clock = Clock.systemUTC();
    try (Database database =
        Database.open(
            new DatabaseSettings(
                dataDir, Optional.empty(), dataDir.resolve("pg").resolve("runtime")),
            Database.Access.EXCLUSIVE,
            "bench")) {
      var jdbi = database.jdbi();
      UUID org =
          jdbi.withHandle(
              h -> h.createQuery("SELECT id FROM organisations").mapTo(UUID.class).one());
      long t0 = System.nanoTime();
      jdbi.useHandle(
          h -> {
            h.createUpdate(
                    "INSERT INTO hosts (org_id, hostname, os, status) SELECT :org, 'srv-' || n, 'Debian',"
                        + " 'online' FROM generate_series(1, :hosts) AS n")
                .bind("org", org)
                .bind("hosts", hosts)
                .execute();
            // Seeding only (the rows are consistent by construction): skip the per-row foreign-key
            // triggers and build the name index once at the end instead of row by row.
            String nameIndex =
                h.createQuery(
                        "SELECT indexdef FROM pg_indexes"
                            + " WHERE indexname = 'software_packages_org_name_idx'")
                    .mapTo(String.class)
                    .one();
            h.execute("DROP INDEX software_packages_org_name_idx");
            h.execute("SET session_replication_role = replica");
            // every host: a common base of packages, plus some that only a share of hosts have
            h.createUpdate(
                    """
                    INSERT INTO software_packages (host_id, org_id, name, version, architecture, source,
                                                   publisher, first_seen, last_seen)
                    SELECT h.id, :org,
                           CASE WHEN p <= :perHost * 0.9 THEN 'base-pkg-' || p
                                ELSE 'extra-pkg-' || ((hashtext(h.id::text) & 1023) + p) END,
                           '1.' || (p % 7) || '.' || (hashtext(h.id::text) & 3), 'amd64', 'dpkg',
                           'Example Team <team@example.org>', now(), now()
                      FROM hosts h CROSS JOIN generate_series(1, :perHost) AS p
                     ORDER BY h.id, p
                    """)
                .bind("org", org)
                .bind("perHost", perHost)
                .execute();
            h.execute("SET session_replication_role = DEFAULT");
            h.execute("SET maintenance_work_mem = '256MB'");
            h.execute(nameIndex);
            h.execute("VACUUM ANALYZE software_packages");
            h.execute("VACUUM ANALYZE hosts");
          });
      long rows =
          jdbi.withHandle(
              h -> h.createQuery("SELECT count(*) FROM software_packages").mapTo(Long.class).one());
      System.out.printf(
          Locale.ROOT,
          "seeded %,d hosts, %,d package rows in %.0f s%n",
          hosts,
          rows,
          (System.nanoTime() - t0) / 1e9);

      // a 20,000-package scan of one more host: first time, then again with 1 % changed
      UUID host =
          jdbi.withHandle(
              h ->
                  h.createQuery(
                          "INSERT INTO hosts (org_id, hostname, status) VALUES (:org, 'scanned', 'online') RETURNING id")
                      .bind("org", org)
                      .mapTo(UUID.class)
                      .one());
      SoftwareScans scans = new SoftwareScans(jdbi, clock);
      for (int run = 0; run < 3; run++) {
        List<InstalledPackage> packages = new ArrayList<>();
        for (int i = 0; i < 20_000; i++) {
          String version = run > 0 && i % 100 == 0 ? "2." + run : "1.0." + (i % 13);
          packages.add(
              new InstalledPackage(
                  "package-" + i,
                  version,
                  "amd64",
                  "Example Team <team@example.org>",
                  1_700_000_000L));
        }
        UUID scan = scans.queue(org, host);
        scans.start(scan, "dpkg");
        long start = System.nanoTime();
        scans.complete(scans.find(scan).orElseThrow(), "dpkg", packages);
        System.out.printf(
            Locale.ROOT,
            "20,000-package scan stored (%s): %.0f ms%n",
            run == 0 ? "first" : "re-scan",
            (System.nanoTime() - start) / 1e6);
      }

      FleetSoftware fleet = new FleetSoftware(jdbi);
      System.out.printf(
          Locale.ROOT,
          "%n%-44s %8s %8s %8s %8s%n",
          "fleet search",
          "hosts",
          "p50 ms",
          "p95 ms",
          "max ms");
      FleetSoftware.VersionRange any = FleetSoftware.VersionRange.ANY;
      FleetSoftware.VersionRange range = new FleetSoftware.VersionRange("1.3.1", "1.3.3");
      for (var search :
          List.of(
              Map.entry("base-pkg-10", any),
              Map.entry("base-pkg-10", range),
              Map.entry("extra-pkg-1400", any),
              Map.entry("extra-pkg-2000", any),
              Map.entry("no-such-package", any))) {
        String name = search.getKey();
        String label = search.getValue().unbounded() ? name : name + " >= 1.3.1 < 1.3.3";
        List<Double> times = new ArrayList<>();
        int found = 0;
        for (int i = 0; i < repetitions + 3; i++) {
          long start = System.nanoTime();
          found = fleet.hostsWith(org, HostScope.ORGANISATION, name, search.getValue()).size();
          if (i >= 3) {
            times.add((System.nanoTime() - start) / 1e6);
          }
        }
        Collections.sort(times);
        System.out.printf(
            Locale.ROOT,
            "%-44s %8d %8.1f %8.1f %8.1f%n",
            label + (found >= FleetSoftware.LIMIT ? " (capped)" : ""),
            found,
            times.get(times.size() / 2),
            times.get((int) Math.ceil(times.size() * 0.95) - 1),
            times.get(times.size() - 1));
      }
    } finally {
      try (var paths = Files.walk(dataDir)) {
        paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      }
    }
  }
}
