package io.ctops.server.web;

/**
 * CSV lines as every export of the product writes them (RFC 4180: CRLF lines, every field quoted,
 * quotes doubled). A cell that a spreadsheet would run as a formula (starting with {@code =},
 * {@code +}, {@code -}, {@code @}, or a tab or carriage return) gets a leading apostrophe, so text
 * that came from hosts or users cannot inject one.
 */
public final class Csv {
  private Csv() {}

  /** One CSV line (quoted, neutralised, CRLF-terminated). */
  public static String row(String... fields) {
    StringBuilder line = new StringBuilder();
    for (int i = 0; i < fields.length; i++) {
      if (i > 0) {
        line.append(',');
      }
      line.append('"').append(neutralise(fields[i]).replace("\"", "\"\"")).append('"');
    }
    return line.append("\r\n").toString();
  }

  static String neutralise(String cell) {
    if (!cell.isEmpty() && "=+-@\t\r".indexOf(cell.charAt(0)) >= 0) {
      return "'" + cell;
    }
    return cell;
  }
}
