package io.ctops.agent.checks;

import io.ctops.agent.identity.SecureFiles;
import io.ctops.agent.text.Json;
import io.ctops.protocol.v1.CheckDefinition;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The last set of checks the server sent, in {@code checks.json} in the data dir, so checks run
 * across restarts and before the first connection. Written whole or not at all, owner-only: a
 * check's parameters may hold a key store's password.
 */
final class StoredChecks {
  static final String FILE_NAME = "checks.json";
  private static final long FORMAT = 1;
  private static final Logger log = LoggerFactory.getLogger("agent");

  private final Path file;

  StoredChecks(Path dataDir) {
    this.file = dataDir.resolve(FILE_NAME);
  }

  /** The stored set; empty when there is none or it cannot be read (which is logged). */
  List<CheckDefinition> load() {
    try {
      Object parsed = Json.parse(Files.readString(file));
      if (parsed instanceof Map<?, ?> fields
          && fields.get("format") instanceof Long format
          && format == FORMAT
          && fields.get("checks") instanceof List<?> checks) {
        List<CheckDefinition> definitions = new ArrayList<>();
        for (Object check : checks) {
          definitions.add(definition(check));
        }
        return definitions;
      }
      unusable("not a checks file of format " + FORMAT);
    } catch (NoSuchFileException e) {
      // no checks yet
    } catch (IOException | Json.SyntaxException | IllegalArgumentException e) {
      unusable(e.getMessage());
    }
    return List.of();
  }

  /** Replaces the stored set; a failure is logged and the checks run on from memory. */
  void save(List<CheckDefinition> definitions) {
    List<Map<String, Object>> checks = new ArrayList<>();
    for (CheckDefinition definition : definitions) {
      Map<String, Object> check = new LinkedHashMap<>();
      check.put("check_id", definition.getCheckId());
      check.put("check_type", definition.getCheckType());
      check.put("config_json", definition.getConfigJson());
      check.put("interval_seconds", definition.getIntervalSeconds());
      checks.add(check);
    }
    Map<String, Object> fields = new LinkedHashMap<>();
    fields.put("format", FORMAT);
    fields.put("checks", checks);
    try {
      SecureFiles.write(file, Json.write(fields), true);
    } catch (IOException e) {
      log.warn(
          "event=checks_not_stored file={} error=\"{}\" reason=\"the checks run, but a restart"
              + " waits for the server to send them again\"",
          file,
          e.getMessage());
    }
  }

  private static CheckDefinition definition(Object check) {
    if (check instanceof Map<?, ?> fields
        && fields.get("check_id") instanceof String id
        && fields.get("check_type") instanceof String type
        && fields.get("config_json") instanceof String config
        && fields.get("interval_seconds") instanceof Long interval) {
      return CheckDefinition.newBuilder()
          .setCheckId(id)
          .setCheckType(type)
          .setConfigJson(config)
          .setIntervalSeconds(
              (int) Math.max(Integer.MIN_VALUE, Math.min(Integer.MAX_VALUE, interval)))
          .build();
    }
    throw new IllegalArgumentException("a stored check lacks one of its four fields");
  }

  private void unusable(String reason) {
    log.warn(
        "event=checks_file_unusable file={} reason=\"{}\" action=\"waiting for the server's"
            + " checks\"",
        file,
        reason);
  }
}
