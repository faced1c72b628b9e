package io.ctops.server.inventory;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.UUID;
import org.jdbi.v3.core.Jdbi;

/**
 * Two hosts' installed packages side by side, matched by name and architecture: only on this host,
 * only on the other, on both in different versions, and the same on both.
 */
public final class PackageDiff {
  private final Jdbi jdbi;

  public PackageDiff(Jdbi jdbi) {
    this.jdbi = jdbi;
  }

  /** A package name and architecture with the versions each host has ("" when it has none). */
  public record Line(String name, String architecture, String here, String there) {}

  /** The comparison, each list sorted by name. */
  public record Diff(
      List<Line> onlyHere, List<Line> onlyThere, List<Line> different, List<Line> same) {}

  public Diff compare(UUID here, UUID there) {
    Map<String, TreeSet<String>> mine = versions(here);
    Map<String, TreeSet<String>> theirs = versions(there);
    TreeSet<String> keys = new TreeSet<>(mine.keySet());
    keys.addAll(theirs.keySet());
    List<Line> onlyHere = new ArrayList<>();
    List<Line> onlyThere = new ArrayList<>();
    List<Line> different = new ArrayList<>();
    List<Line> same = new ArrayList<>();
    for (String key : keys) {
      String[] parts = key.split("\u0000", 2);
      TreeSet<String> a = mine.get(key);
      TreeSet<String> b = theirs.get(key);
      Line line =
          new Line(
              parts[0],
              parts[1],
              a == null ? "" : String.join(", ", a),
              b == null ? "" : String.join(", ", b));
      if (b == null) {
        onlyHere.add(line);
      } else if (a == null) {
        onlyThere.add(line);
      } else if (a.equals(b)) {
        same.add(line);
      } else {
        different.add(line);
      }
    }
    return new Diff(onlyHere, onlyThere, different, same);
  }

  private Map<String, TreeSet<String>> versions(UUID host) {
    Map<String, TreeSet<String>> byKey =
        new TreeMap<>(
            Comparator.comparing((String k) -> k.toLowerCase(Locale.ROOT)).thenComparing(k -> k));
    jdbi.useHandle(
        handle ->
            handle
                .createQuery(
                    "SELECT name, architecture, version FROM software_packages"
                        + " WHERE host_id = :host AND removed_at IS NULL")
                .bind("host", host)
                .map((rs, ctx) -> new String[] {rs.getString(1), rs.getString(2), rs.getString(3)})
                .forEach(
                    row ->
                        byKey
                            .computeIfAbsent(row[0] + "\u0000" + row[1], k -> new TreeSet<>())
                            .add(row[2])));
    return byKey;
  }
}
