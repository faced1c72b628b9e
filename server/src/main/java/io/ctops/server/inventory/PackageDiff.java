package io.ctops.server.inventory;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
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

  /** The comparison, each list in natural name order. */
  public record Diff(
      List<Line> onlyHere, List<Line> onlyThere, List<Line> different, List<Line> same) {}

  public Diff compare(UUID here, UUID there) {
    List<Line> onlyHere = new ArrayList<>();
    List<Line> onlyThere = new ArrayList<>();
    List<Line> different = new ArrayList<>();
    List<Line> same = new ArrayList<>();
    for (Map.Entry<String, Versions> entry : versions(here, there).entrySet()) {
      String[] parts = entry.getKey().split("\u0000", 2);
      TreeSet<String> a = entry.getValue().here;
      TreeSet<String> b = entry.getValue().there;
      Line line = new Line(parts[0], parts[1], String.join(", ", a), String.join(", ", b));
      if (b.isEmpty()) {
        onlyHere.add(line);
      } else if (a.isEmpty()) {
        onlyThere.add(line);
      } else if (a.equals(b)) {
        same.add(line);
      } else {
        different.add(line);
      }
    }
    return new Diff(onlyHere, onlyThere, different, same);
  }

  /** One package name and architecture: the versions on each host (empty where it is missing). */
  private record Versions(TreeSet<String> here, TreeSet<String> there) {}

  /**
   * Both hosts' packages keyed by name and architecture, in natural name order (lib2 before lib10;
   * the collation of V12__natural_sort.sql), which the lists keep.
   */
  private Map<String, Versions> versions(UUID here, UUID there) {
    Map<String, Versions> byKey = new LinkedHashMap<>();
    jdbi.useHandle(
        handle ->
            handle
                .createQuery(
                    """
                    SELECT host_id, name, architecture, version FROM software_packages
                     WHERE host_id IN (:here, :there) AND removed_at IS NULL
                     ORDER BY lower(name) COLLATE ctops_natural, name, architecture
                    """)
                .bind("here", here)
                .bind("there", there)
                .map(
                    (rs, ctx) ->
                        new Object[] {
                          rs.getObject(1, UUID.class),
                          rs.getString(2),
                          rs.getString(3),
                          rs.getString(4)
                        })
                .forEach(
                    row -> {
                      Versions versions =
                          byKey.computeIfAbsent(
                              row[1] + "\u0000" + row[2],
                              k -> new Versions(new TreeSet<>(), new TreeSet<>()));
                      // a host compared with itself is on both sides
                      if (here.equals(row[0])) {
                        versions.here.add((String) row[3]);
                      }
                      if (there.equals(row[0])) {
                        versions.there.add((String) row[3]);
                      }
                    }));
    return byKey;
  }
}
