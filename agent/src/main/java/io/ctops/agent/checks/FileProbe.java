package io.ctops.agent.checks;

import io.ctops.protocol.checks.CheckConfig.File;
import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * A file exists (or, with {@code must_exist} false, does not), was modified within the last {@code
 * modified_within_minutes} and is at most {@code max_bytes} long. A failure names each condition
 * that does not hold; a file the agent may not look at is an {@code error}.
 */
final class FileProbe {
  private final Clock clock;

  FileProbe(Clock clock) {
    this.clock = clock;
  }

  Outcome run(File check) {
    Path path = Path.of(check.path());
    BasicFileAttributes attributes;
    try {
      attributes = Files.readAttributes(path, BasicFileAttributes.class);
    } catch (NoSuchFileException e) {
      return Outcome.of(!check.mustExist(), path + " does not exist");
    } catch (AccessDeniedException e) {
      return Outcome.error("cannot look at " + path + ": permission denied for the agent's user");
    } catch (IOException e) {
      return Outcome.error("cannot look at " + path + ": " + e.getMessage());
    }
    if (!check.mustExist()) {
      return Outcome.fail(path + " exists");
    }
    long size = attributes.size();
    Duration age = Duration.between(attributes.lastModifiedTime().toInstant(), clock.instant());
    String found = path + ": " + size + " bytes, modified " + ago(age);
    List<String> failed = new ArrayList<>();
    if (check.modifiedWithinMinutes().isPresent()
        && age.compareTo(Duration.ofMinutes(check.modifiedWithinMinutes().getAsInt())) > 0) {
      failed.add("not modified within " + check.modifiedWithinMinutes().getAsInt() + " minutes");
    }
    if (check.maxBytes().isPresent() && size > check.maxBytes().getAsLong()) {
      failed.add("larger than " + check.maxBytes().getAsLong() + " bytes");
    }
    return failed.isEmpty()
        ? Outcome.pass(found)
        : Outcome.fail(found + "; " + String.join("; ", failed));
  }

  /** An age in the largest unit that keeps it a whole number people read at a glance. */
  static String ago(Duration age) {
    if (age.isNegative()) {
      return "in the future (the host's clock is behind the file's)";
    }
    long seconds = age.toSeconds();
    if (seconds < 120) {
      return seconds + " s ago";
    }
    if (seconds < 120 * 60) {
      return age.toMinutes() + " minutes ago";
    }
    if (seconds < 48 * 3600) {
      return age.toHours() + " hours ago";
    }
    return age.toDays() + " days ago";
  }
}
