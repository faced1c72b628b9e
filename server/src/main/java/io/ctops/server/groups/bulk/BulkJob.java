package io.ctops.server.groups.bulk;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.UUID;

/**
 * A bulk job as its requester follows it: how far it got ({@code done} of {@code total} hosts, of
 * which {@code changed} changed) and, once it ended, what it did in a sentence.
 */
public record BulkJob(
    UUID id,
    BulkAction action,
    JsonNode parameters,
    String state,
    int total,
    int done,
    int changed,
    String error,
    String requestedBy,
    Instant createdAt,
    Instant startedAt,
    Instant finishedAt) {

  public boolean isFinished() {
    return state.equals("done") || state.equals("failed");
  }

  /** How far it got, 0–100, for the progress bar. */
  public int percent() {
    return total == 0 ? 100 : (int) (100L * done / total);
  }

  /** Where it stands, or what it did, e.g. "Tagged 9,873 of 10,000 hosts; 127 already had it". */
  public String summary() {
    return switch (state) {
      case "queued" -> "Waiting to start on " + hosts(total);
      case "running" -> number(done) + " of " + hosts(total) + " done";
      case "failed" -> "Stopped after " + number(done) + " of " + hosts(total) + ": " + error;
      default -> outcome();
    };
  }

  private String outcome() {
    int unchanged = total - changed;
    String tags = String.join(", ", tagTexts());
    String them = tagTexts().size() == 1 ? "it" : "them";
    String group = parameters.path("group_name").asText("the group");
    return switch (action) {
      case TAG -> "Tagged " + some() + " with " + tags + rest(unchanged, "already had " + them);
      case UNTAG -> "Removed " + tags + " from " + some() + rest(unchanged, "did not have " + them);
      case ADD_TO_GROUP ->
          "Added "
              + some()
              + " to "
              + group
              + rest(unchanged, wasWere(unchanged) + " already in it");
      case REMOVE_FROM_GROUP ->
          "Removed "
              + some()
              + " from "
              + group
              + rest(unchanged, wasWere(unchanged) + " not in it");
      case RESCAN ->
          "Queued software scans of "
              + some()
              + rest(unchanged, wasWere(unchanged) + " offline or already being scanned");
      case DELETE -> "Deleted " + some() + rest(unchanged, wasWere(unchanged) + " already deleted");
    };
  }

  /** "9,873 of 10,000 hosts", or "10,000 hosts" when every host changed. */
  private String some() {
    return changed == total ? hosts(total) : number(changed) + " of " + hosts(total);
  }

  private static String rest(int unchanged, String why) {
    return unchanged == 0 ? "" : "; " + number(unchanged) + " " + why;
  }

  private static String wasWere(int n) {
    return n == 1 ? "was" : "were";
  }

  List<String> tagTexts() {
    List<String> tags = new ArrayList<>();
    parameters.path("tags").forEach(t -> tags.add(t.asText()));
    return tags;
  }

  static String hosts(long n) {
    return number(n) + (n == 1 ? " host" : " hosts");
  }

  /** A count as people write it here: 10,000. */
  static String number(long n) {
    return String.format(Locale.ROOT, "%,d", n);
  }
}
