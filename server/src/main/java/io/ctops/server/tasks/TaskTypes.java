package io.ctops.server.tasks;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** The task types this server knows, by name; the role registers them. */
public final class TaskTypes {
  private final Map<String, TaskType> byName = new LinkedHashMap<>();
  private final Map<String, TaskType> byFormerName = new LinkedHashMap<>();

  public TaskTypes(List<TaskType> types) {
    for (TaskType type : types) {
      if (byName.putIfAbsent(type.name(), type) != null) {
        throw new IllegalArgumentException("two task types named " + type.name());
      }
      for (String former : type.formerNames()) {
        byFormerName.put(former, type);
      }
    }
  }

  /** The type with this name, or with this former name. */
  public Optional<TaskType> find(String name) {
    return Optional.ofNullable(byName.getOrDefault(name, byFormerName.get(name)));
  }

  public List<String> names() {
    return List.copyOf(byName.keySet());
  }
}
