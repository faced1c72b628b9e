package io.ctops.loadtest;

import io.ctops.server.platform.config.DatabaseSettings;
import io.ctops.server.platform.config.Environment;
import io.ctops.server.platform.database.Database;
import java.util.Map;

/**
 * Prints what the server's database holds, for the capacity benchmark: metric samples and the bytes
 * they take (table and indexes, all partitions), the hosts, and the whole database. Reads the same
 * settings as {@code ctops} (DATABASE_URL or the embedded database in CT_OPS_DATA_DIR).
 */
public final class DatabaseFootprint {
  private DatabaseFootprint() {}

  public static void main(String[] args) {
    try (Database database =
        Database.open(
            DatabaseSettings.from(Environment.system()), Database.Access.SHARED, "footprint")) {
      Map<String, Object> figures =
          database
              .jdbi()
              .withHandle(
                  handle ->
                      handle
                          .createQuery(
                              """
                              SELECT (SELECT count(*) FROM host_metrics) AS metrics_rows,
                                     (SELECT coalesce(sum(pg_total_relation_size(inhrelid)), 0)
                                        FROM pg_inherits
                                       WHERE inhparent = 'host_metrics'::regclass) AS metrics_bytes,
                                     (SELECT count(*) FROM hosts) AS hosts,
                                     (SELECT count(*) FROM software_packages) AS packages,
                                     pg_database_size(current_database()) AS database_bytes
                              """)
                          .mapToMap()
                          .one());
      StringBuilder line = new StringBuilder();
      figures.forEach((k, v) -> line.append(k).append('=').append(v).append(' '));
      System.out.println(line.toString().strip());
    }
  }
}
