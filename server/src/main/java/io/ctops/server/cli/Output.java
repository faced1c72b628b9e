package io.ctops.server.cli;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** Plain-text tables for list commands: aligned columns, one row per line, no decoration. */
final class Output {
  private static final DateTimeFormatter TIME =
      DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm'Z'").withZone(ZoneOffset.UTC);

  private final List<String> header;
  private final List<List<String>> rows = new ArrayList<>();

  Output(String... header) {
    this.header = List.of(header);
  }

  Output row(String... cells) {
    rows.add(List.of(cells));
    return this;
  }

  static String time(Instant instant) {
    return TIME.format(instant);
  }

  static String time(Optional<Instant> instant) {
    return instant.map(Output::time).orElse("-");
  }

  String render() {
    int[] widths = new int[header.size()];
    for (int i = 0; i < widths.length; i++) {
      widths[i] = header.get(i).length();
      for (List<String> row : rows) {
        widths[i] = Math.max(widths[i], row.get(i).length());
      }
    }
    StringBuilder text = new StringBuilder();
    append(text, header, widths);
    for (List<String> row : rows) {
      append(text, row, widths);
    }
    return text.toString();
  }

  private static void append(StringBuilder text, List<String> cells, int[] widths) {
    StringBuilder line = new StringBuilder();
    for (int i = 0; i < cells.size(); i++) {
      line.append(cells.get(i));
      if (i < cells.size() - 1) {
        line.append(" ".repeat(widths[i] - cells.get(i).length() + 2));
      }
    }
    text.append(line.toString().stripTrailing()).append('\n');
  }
}
