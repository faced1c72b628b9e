package io.ctops.agent.accounts;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** {@code /etc/group}: each group's name by gid and each user's supplementary groups. */
final class GroupFile {
  private final Map<Long, String> names = new HashMap<>();
  private final Map<String, Set<String>> groupsOfUser = new HashMap<>();
  int skipped;

  static GroupFile parse(byte[] bytes, int maxEntries) {
    GroupFile file = new GroupFile();
    ColonLines lines = ColonLines.read(bytes, 4, maxEntries);
    file.skipped = lines.skipped;
    for (String[] fields : lines.entries) {
      long gid = ColonLines.id(fields[2]);
      if (fields[0].isEmpty() || gid < 0) {
        file.skipped++;
        continue;
      }
      file.names.putIfAbsent(gid, fields[0]);
      for (String member : fields[3].split(",")) {
        String user = member.strip();
        if (!user.isEmpty()) {
          file.groupsOfUser.computeIfAbsent(user, u -> new LinkedHashSet<>()).add(fields[0]);
        }
      }
    }
    return file;
  }

  static GroupFile empty() {
    return new GroupFile();
  }

  /** The user's groups: the primary one (by gid, when the gid names a group) first. */
  List<String> groupsOf(String user, long primaryGid) {
    List<String> groups = new ArrayList<>();
    String primary = names.get(primaryGid);
    if (primary != null) {
      groups.add(primary);
    }
    for (String group : groupsOfUser.getOrDefault(user, Set.of())) {
      if (!group.equals(primary)) {
        groups.add(group);
      }
    }
    return groups;
  }

  /** The name of group {@code gid}, if the file has it. */
  String nameOf(long gid) {
    return names.get(gid);
  }
}
