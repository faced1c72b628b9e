package io.ctops.server.inventory;

import java.util.List;

/**
 * A host's packages as CSV (RFC 4180: CRLF lines, every field quoted, quotes doubled). A cell that
 * a spreadsheet would run as a formula (starting with {@code =}, {@code +}, {@code -}, {@code @},
 * or a tab or carriage return) gets a leading apostrophe, so package metadata cannot inject one.
 */
public final class PackageCsv {
  private PackageCsv() {}

  public static String write(List<HostInventory.PackageRow> packages) {
    StringBuilder csv = new StringBuilder();
    line(
        csv,
        "name",
        "version",
        "architecture",
        "source",
        "publisher",
        "installed_at",
        "first_seen",
        "last_seen",
        "removed_at");
    for (HostInventory.PackageRow p : packages) {
      line(
          csv,
          p.name(),
          p.version(),
          p.architecture(),
          p.source(),
          p.publisher(),
          text(p.installedAt()),
          text(p.firstSeen()),
          text(p.lastSeen()),
          text(p.removedAt()));
    }
    return csv.toString();
  }

  private static String text(Object value) {
    return value == null ? "" : value.toString();
  }

  /** One CSV line (quoted, neutralised, CRLF-terminated). */
  public static String row(String... fields) {
    StringBuilder line = new StringBuilder();
    line(line, fields);
    return line.toString();
  }

  private static void line(StringBuilder csv, String... fields) {
    for (int i = 0; i < fields.length; i++) {
      if (i > 0) {
        csv.append(',');
      }
      csv.append('"').append(neutralise(fields[i]).replace("\"", "\"\"")).append('"');
    }
    csv.append("\r\n");
  }

  static String neutralise(String cell) {
    if (!cell.isEmpty() && "=+-@\t\r".indexOf(cell.charAt(0)) >= 0) {
      return "'" + cell;
    }
    return cell;
  }
}
