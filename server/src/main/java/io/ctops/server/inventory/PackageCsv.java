package io.ctops.server.inventory;

import io.ctops.server.web.Csv;
import java.util.List;

/**
 * A host's packages as CSV ({@link Csv}: quoted, and neutralised so package metadata cannot inject
 * a spreadsheet formula).
 */
public final class PackageCsv {
  private PackageCsv() {}

  public static String write(List<HostInventory.PackageRow> packages) {
    StringBuilder csv = new StringBuilder();
    csv.append(
        Csv.row(
            "name",
            "version",
            "architecture",
            "source",
            "publisher",
            "installed_at",
            "first_seen",
            "last_seen",
            "removed_at"));
    for (HostInventory.PackageRow p : packages) {
      csv.append(
          Csv.row(
              p.name(),
              p.version(),
              p.architecture(),
              p.source(),
              p.publisher(),
              text(p.installedAt()),
              text(p.firstSeen()),
              text(p.lastSeen()),
              text(p.removedAt())));
    }
    return csv.toString();
  }

  private static String text(Object value) {
    return value == null ? "" : value.toString();
  }
}
