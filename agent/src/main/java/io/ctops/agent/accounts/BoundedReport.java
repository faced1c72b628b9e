package io.ctops.agent.accounts;

import io.ctops.agent.text.Json;
import io.ctops.agent.text.Utf8;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;

/**
 * A check's JSON report within the output limit the server keeps (a few KiB): {@code {"<list>":
 * [...], "<list>_total": n, "<list>_omitted": m, "skipped": s, "notes": [...]}}. When the items do
 * not all fit, the most important ones (lowest rank) are kept, in their original order, and a note
 * says how many were left out; the JSON stays whole, never cut in the middle.
 */
final class BoundedReport {
  static final int MAX_NOTES = 10;
  static final int MAX_NOTE_LENGTH = 160;

  private BoundedReport() {}

  static String write(
      String list,
      List<Map<String, Object>> items,
      List<Integer> ranks,
      int skipped,
      List<String> notes,
      int maxBytes) {
    List<String> shownNotes = new ArrayList<>();
    for (String note : notes.subList(0, Math.min(notes.size(), MAX_NOTES))) {
      shownNotes.add(note.length() > MAX_NOTE_LENGTH ? note.substring(0, MAX_NOTE_LENGTH) : note);
    }
    int[] sizes = items.stream().mapToInt(item -> Utf8.length(Json.write(item)) + 1).toArray();
    List<Integer> byRank =
        IntStream.range(0, items.size()).boxed().sorted(Comparator.comparing(ranks::get)).toList();
    boolean[] kept = new boolean[items.size()];
    int keptCount = items.size();
    Arrays.fill(kept, true);
    String json = render(list, items, kept, skipped, shownNotes, keptCount);
    if (Utf8.length(json) <= maxBytes) {
      return json;
    }
    // the frame with every item left out, plus room for the counts growing by a few digits
    Arrays.fill(kept, false);
    int budget = maxBytes - Utf8.length(render(list, items, kept, skipped, shownNotes, 0)) - 16;
    int used = 0;
    keptCount = 0;
    for (int index : byRank) {
      if (used + sizes[index] <= budget) {
        kept[index] = true;
        used += sizes[index];
        keptCount++;
      }
    }
    json = render(list, items, kept, skipped, shownNotes, keptCount);
    while (Utf8.length(json) > maxBytes && keptCount > 0) {
      // only when the notes alone nearly fill the limit
      int last = byRank.reversed().stream().filter(i -> kept[i]).findFirst().orElseThrow();
      kept[last] = false;
      keptCount--;
      json = render(list, items, kept, skipped, shownNotes, keptCount);
    }
    return json;
  }

  private static String render(
      String list,
      List<Map<String, Object>> items,
      boolean[] kept,
      int skipped,
      List<String> notes,
      int keptCount) {
    List<Map<String, Object>> shown = new ArrayList<>();
    for (int i = 0; i < items.size(); i++) {
      if (kept[i]) {
        shown.add(items.get(i));
      }
    }
    List<String> allNotes = new ArrayList<>(notes);
    int omitted = items.size() - keptCount;
    if (omitted > 0) {
      allNotes.add(
          "output limited to the server's check output size: "
              + omitted
              + " of "
              + items.size()
              + " "
              + list
              + " left out");
    }
    Map<String, Object> report = new LinkedHashMap<>();
    report.put(list, shown);
    report.put(list + "_total", items.size());
    report.put(list + "_omitted", omitted);
    report.put("skipped", skipped);
    report.put("notes", allNotes);
    return Json.write(report);
  }
}
