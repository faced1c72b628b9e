package io.ctops.agent.accounts;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Who {@code /etc/sudoers} (and the files it includes) grants rules to: user names, {@code %group}s
 * and {@code #uid}s from each rule's user list, {@code User_Alias}es expanded, {@code !negated}
 * entries left out. It answers "named in sudoers", not "may run this command": the host and command
 * parts are not judged. {@code #include}, {@code @include}, {@code #includedir} and {@code
 * @includedir} are followed (directories as sudo reads them: files without a dot or a trailing
 * {@code ~}) up to a depth and a number of files; a file that cannot be read becomes a note.
 */
final class Sudoers {
  static final int MAX_FILES = 256;
  static final long MAX_FILE_BYTES = 1024 * 1024;
  private static final int MAX_DEPTH = 8;

  final Set<String> users = new HashSet<>();
  final Set<String> groups = new HashSet<>();
  final Set<Long> uids = new HashSet<>();
  final Set<Long> gids = new HashSet<>();
  boolean everyone;
  final List<String> notes = new ArrayList<>();
  int filesRead;

  private final HostFiles files;
  private final Map<String, List<String>> userAliases = new HashMap<>();
  private final List<String> pendingAliasUses = new ArrayList<>();
  private final Set<Path> visited = new HashSet<>();

  private Sudoers(HostFiles files) {
    this.files = files;
  }

  /** What the host's sudoers grants; nothing when it has no sudoers file. */
  static Sudoers read(HostFiles files) {
    Sudoers sudoers = new Sudoers(files);
    Path main = files.resolve("/etc/sudoers");
    if (!Files.exists(main)) {
      return sudoers;
    }
    sudoers.file(main, "/etc/sudoers", 0);
    for (String alias : sudoers.pendingAliasUses) {
      sudoers.expand(alias, 0);
    }
    return sudoers;
  }

  /** Whether a rule names the user, its uid, one of its groups or its primary gid. */
  boolean names(String user, long uid, long gid, List<String> userGroups) {
    return everyone
        || users.contains(user)
        || uids.contains(uid)
        || gids.contains(gid)
        || userGroups.stream().anyMatch(groups::contains);
  }

  private void file(Path file, String shown, int depth) {
    if (depth > MAX_DEPTH || filesRead >= MAX_FILES || !visited.add(file.toAbsolutePath())) {
      return;
    }
    switch (files.read(file, MAX_FILE_BYTES)) {
      case HostFiles.Found found -> {
        filesRead++;
        lines(new String(found.bytes(), StandardCharsets.UTF_8), file, depth);
      }
      case HostFiles.Missing missing -> {}
      case HostFiles.Unreadable unreadable ->
          notes.add("sudoers file " + shown + " not readable: " + unreadable.reason());
    }
  }

  private void lines(String text, Path file, int depth) {
    StringBuilder logical = new StringBuilder();
    for (String raw : text.split("\n", -1)) {
      String line = raw.strip();
      if (line.endsWith("\\")) {
        logical.append(line, 0, line.length() - 1).append(' ');
        continue;
      }
      logical.append(line);
      String whole = logical.toString().strip();
      logical.setLength(0);
      try {
        line(whole, file, depth);
      } catch (RuntimeException malformed) {
        // a line sudo itself would refuse: it grants nothing here either
      }
    }
  }

  private void line(String line, Path file, int depth) {
    String[] words = line.split("\\s+", 2);
    String first = words[0];
    if (first.equals("#include") || first.equals("@include")) {
      if (words.length == 2) {
        include(words[1].strip(), file, depth, false);
      }
      return;
    }
    if (first.equals("#includedir") || first.equals("@includedir")) {
      if (words.length == 2) {
        include(words[1].strip(), file, depth, true);
      }
      return;
    }
    int comment = line.indexOf('#');
    // "#1000" in a user list is a uid, not a comment: only "#" at a word's start after a blank
    String content = line;
    while (comment >= 0) {
      boolean uid =
          comment + 1 < content.length() && Character.isDigit(content.charAt(comment + 1));
      if (!uid) {
        content = content.substring(0, comment);
        break;
      }
      comment = content.indexOf('#', comment + 1);
    }
    content = content.strip();
    if (content.isEmpty() || content.startsWith("Defaults")) {
      return;
    }
    if (content.startsWith("User_Alias")) {
      alias(content.substring("User_Alias".length()));
      return;
    }
    if (content.startsWith("Runas_Alias")
        || content.startsWith("Host_Alias")
        || content.startsWith("Cmnd_Alias")
        || content.startsWith("Cmd_Alias")) {
      return;
    }
    int equals = content.indexOf('=');
    if (equals < 0) {
      return;
    }
    for (String item : userList(content.substring(0, equals))) {
      entry(item, 0);
    }
  }

  /**
   * The user list a rule begins with: comma-separated items up to the first blank that does not
   * follow a comma; double quotes and backslashes let a name hold blanks ({@code "svc\ user"}).
   */
  static List<String> userList(String text) {
    List<String> items = new ArrayList<>();
    StringBuilder item = new StringBuilder();
    boolean quoted = false;
    boolean afterComma = true;
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      if (c == '\\' && i + 1 < text.length()) {
        item.append(text.charAt(++i));
      } else if (c == '"') {
        quoted = !quoted;
      } else if (!quoted && c == ',') {
        items.add(item.toString());
        item.setLength(0);
        afterComma = true;
        continue;
      } else if (!quoted && Character.isWhitespace(c)) {
        if (item.isEmpty() && afterComma) {
          continue;
        }
        break;
      } else {
        item.append(c);
      }
      afterComma = false;
    }
    if (!item.isEmpty()) {
      items.add(item.toString());
    }
    return items;
  }

  private void alias(String definitions) {
    // NAME = a, b : OTHER = c
    for (String definition : definitions.split(":")) {
      int equals = definition.indexOf('=');
      if (equals < 0) {
        continue;
      }
      String name = definition.substring(0, equals).strip();
      List<String> members = new ArrayList<>();
      for (String member : definition.substring(equals + 1).split(",")) {
        if (!member.isBlank()) {
          members.add(member.strip());
        }
      }
      userAliases.put(name, members);
    }
  }

  private void entry(String item, int depth) {
    if (item.isEmpty() || item.startsWith("!")) {
      return;
    }
    if (item.equals("ALL")) {
      everyone = true;
    } else if (item.startsWith("%#")) {
      long gid = ColonLines.id(item.substring(2));
      if (gid >= 0) {
        gids.add(gid);
      }
    } else if (item.startsWith("%:")) {
      groups.add(item.substring(2));
    } else if (item.startsWith("%")) {
      groups.add(item.substring(1));
    } else if (item.startsWith("#")) {
      long uid = ColonLines.id(item.substring(1));
      if (uid >= 0) {
        uids.add(uid);
      }
    } else if (item.startsWith("+")) {
      // a netgroup: not resolved here
    } else if (isAliasName(item)) {
      if (depth == 0) {
        pendingAliasUses.add(item);
      } else {
        expand(item, depth);
      }
    } else {
      users.add(item);
    }
  }

  private void expand(String alias, int depth) {
    if (depth > MAX_DEPTH) {
      return;
    }
    for (String member : userAliases.getOrDefault(alias, List.of())) {
      entry(member, depth + 1);
    }
  }

  private static boolean isAliasName(String item) {
    return item.matches("[A-Z][A-Z0-9_]*") && !item.equals("ALL");
  }

  private static String unquote(String name) {
    String plain =
        name.startsWith("\"") && name.endsWith("\"") && name.length() >= 2
            ? name.substring(1, name.length() - 1)
            : name;
    return plain.replace("\\", "");
  }

  private void include(String target, Path from, int depth, boolean directory) {
    String path = unquote(target);
    // sudo resolves a relative include against the including file's directory
    Path resolved =
        path.startsWith("/") ? files.resolve(path) : from.resolveSibling(path).normalize();
    if (!directory) {
      file(resolved, path, depth + 1);
      return;
    }
    if (!Files.isDirectory(resolved)) {
      return;
    }
    List<Path> entries = new ArrayList<>();
    try (DirectoryStream<Path> listing = Files.newDirectoryStream(resolved)) {
      for (Path entry : listing) {
        String name = entry.getFileName().toString();
        if (!name.contains(".") && !name.endsWith("~") && entries.size() < MAX_FILES) {
          entries.add(entry);
        }
      }
    } catch (IOException e) {
      notes.add("sudoers directory " + path + " not readable: " + e.getMessage());
      return;
    }
    entries.sort(null);
    for (Path entry : entries) {
      file(entry, path + "/" + entry.getFileName(), depth + 1);
    }
  }
}
