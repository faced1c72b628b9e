package io.ctops.agent.systemd;

import io.ctops.protocol.v1.ServiceInfo;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Services as {@code systemctl} lists them, read from its plain table output (no legend, no pager,
 * C locale): {@code list-units} gives the loaded units and their states, {@code list-unit-files}
 * each unit file's state and the units installed but not loaded, {@code show} the main PIDs.
 */
final class ServiceListing {
  private static final Set<String> GLYPHS = Set.of("●", "○", "*", "×");

  private final Map<String, ServiceInfo.Builder> byName;

  private ServiceListing(Map<String, ServiceInfo.Builder> byName) {
    this.byName = byName;
  }

  static ServiceListing of(String listUnits, String listUnitFiles) {
    Map<String, ServiceInfo.Builder> byName = new LinkedHashMap<>();
    for (Row row : rows(listUnits)) {
      if (row.tokens.size() < 4) {
        continue;
      }
      byName.put(
          row.tokens.get(0),
          ServiceInfo.newBuilder()
              .setName(row.tokens.get(0))
              .setLoadState(row.tokens.get(1))
              .setActiveSub(row.tokens.get(2) + "/" + row.tokens.get(3))
              .setDescription(row.description));
    }
    Map<String, String> fileStates = new LinkedHashMap<>();
    for (Row row : rows(listUnitFiles)) {
      if (row.tokens.size() >= 2) {
        fileStates.put(row.tokens.get(0), row.tokens.get(1));
      }
    }
    for (Map.Entry<String, String> file : fileStates.entrySet()) {
      String name = file.getKey();
      String state = file.getValue();
      ServiceInfo.Builder loaded = byName.get(name);
      if (loaded != null) {
        loaded.setUnitFileState(state);
      } else if (!isTemplate(name) && !state.equals("alias")) {
        // Installed but not loaded: what systemctl status would say of it once asked.
        boolean masked = state.startsWith("masked");
        byName.put(
            name,
            ServiceInfo.newBuilder()
                .setName(name)
                .setLoadState(masked ? "masked" : "loaded")
                .setActiveSub("inactive/dead")
                .setUnitFileState(state));
      }
    }
    // An instance (getty@tty1.service) has no file of its own: its template's state is its own.
    for (ServiceInfo.Builder unit : byName.values()) {
      int at = unit.getName().indexOf('@');
      if (unit.getUnitFileState().isEmpty() && at > 0) {
        String template = unit.getName().substring(0, at + 1) + ".service";
        unit.setUnitFileState(fileStates.getOrDefault(template, ""));
      }
    }
    return new ServiceListing(byName);
  }

  /** The units that may have a main process, for {@code systemctl show --property=MainPID}. */
  List<String> runningUnits() {
    List<String> running = new ArrayList<>();
    for (ServiceInfo.Builder unit : byName.values()) {
      String activeSub = unit.getActiveSub();
      if (!activeSub.startsWith("inactive/")
          && !activeSub.startsWith("failed/")
          && !activeSub.endsWith("/exited")) {
        running.add(unit.getName());
      }
    }
    return running;
  }

  /** Adds the main PIDs from {@code systemctl show --property=Id,MainPID} output. */
  ServiceListing withMainPids(String show) {
    for (String block : show.split("\n\\s*\n")) {
      String id = "";
      int pid = 0;
      for (String line : block.lines().toList()) {
        int equals = line.indexOf('=');
        if (equals < 0) {
          continue;
        }
        String key = line.substring(0, equals).strip();
        String value = line.substring(equals + 1).strip();
        if (key.equals("Id")) {
          id = value;
        } else if (key.equals("MainPID")) {
          try {
            pid = Integer.parseInt(value);
          } catch (NumberFormatException e) {
            pid = 0;
          }
        }
      }
      ServiceInfo.Builder unit = byName.get(id);
      if (unit != null) {
        unit.setMainPid(Math.max(0, pid));
      }
    }
    return this;
  }

  List<ServiceInfo> services() {
    return byName.values().stream()
        .map(ServiceInfo.Builder::build)
        .sorted(Comparator.comparing(ServiceInfo::getName))
        .toList();
  }

  private static boolean isTemplate(String name) {
    return name.contains("@.");
  }

  /** One table row: its words, and the text from the last column's offset on. */
  private record Row(List<String> tokens, String description) {}

  /**
   * The rows of a table whose columns are padded to a common width. The description is the last
   * column and may hold spaces; a JOB column appears before it only while some unit has a job, so
   * the description starts where the fifth word starts in the rows without one: the furthest such
   * start over all rows.
   */
  private static List<Row> rows(String table) {
    List<String> lines = table.lines().filter(line -> !line.isBlank()).toList();
    List<List<int[]>> spans = new ArrayList<>();
    int descriptionAt = -1;
    for (String line : lines) {
      List<int[]> words = words(line);
      if (!words.isEmpty() && GLYPHS.contains(text(line, words.get(0)))) {
        words.remove(0);
      }
      spans.add(words);
      if (words.size() > 4) {
        descriptionAt = Math.max(descriptionAt, words.get(4)[0]);
      }
    }
    List<Row> rows = new ArrayList<>();
    for (int i = 0; i < lines.size(); i++) {
      String line = lines.get(i);
      List<String> tokens = new ArrayList<>();
      for (int[] word : spans.get(i)) {
        tokens.add(text(line, word));
      }
      String description =
          descriptionAt >= 0 && line.length() > descriptionAt
              ? line.substring(descriptionAt).strip()
              : "";
      rows.add(new Row(tokens, description));
    }
    return rows;
  }

  private static List<int[]> words(String line) {
    List<int[]> words = new ArrayList<>();
    int at = 0;
    while (at < line.length()) {
      while (at < line.length() && Character.isWhitespace(line.charAt(at))) {
        at++;
      }
      int start = at;
      while (at < line.length() && !Character.isWhitespace(line.charAt(at))) {
        at++;
      }
      if (at > start) {
        words.add(new int[] {start, at});
      }
    }
    return words;
  }

  private static String text(String line, int[] word) {
    return line.substring(word[0], word[1]);
  }
}
