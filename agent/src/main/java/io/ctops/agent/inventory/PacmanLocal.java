package io.ctops.agent.inventory;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * Arch Linux: {@code /var/lib/pacman/local/<name>-<version>/desc}, sections of the form {@code
 * %NAME%} followed by value lines.
 */
public final class PacmanLocal implements PackageSource {
  private final Path root;

  public PacmanLocal(Path root) {
    this.root = root;
  }

  @Override
  public String name() {
    return "pacman";
  }

  private Path local() {
    return root.resolve("var/lib/pacman/local");
  }

  @Override
  public boolean isPresent() {
    return Files.isDirectory(local());
  }

  @Override
  public List<InstalledPackage> read() throws IOException {
    List<InstalledPackage> packages = new ArrayList<>();
    try (Stream<Path> entries = Files.list(local())) {
      for (Path desc :
          entries.map(dir -> dir.resolve("desc")).filter(Files::isRegularFile).sorted().toList()) {
        Map<String, String> fields = sections(PackageSource.lines(desc));
        String name = fields.getOrDefault("NAME", "");
        if (name.isBlank()) {
          continue;
        }
        packages.add(
            new InstalledPackage(
                name,
                fields.getOrDefault("VERSION", ""),
                fields.getOrDefault("ARCH", ""),
                fields.getOrDefault("PACKAGER", ""),
                seconds(fields.getOrDefault("INSTALLDATE", ""))));
      }
    }
    return packages;
  }

  /** Each {@code %KEY%} with its first value line. */
  static Map<String, String> sections(List<String> lines) {
    Map<String, String> fields = new HashMap<>();
    String key = null;
    for (String line : lines) {
      if (line.length() > 2 && line.startsWith("%") && line.endsWith("%")) {
        key = line.substring(1, line.length() - 1);
      } else if (key != null && !line.isBlank()) {
        fields.putIfAbsent(key, line.strip());
      }
    }
    return fields;
  }

  static long seconds(String text) {
    try {
      return Long.parseLong(text.strip());
    } catch (NumberFormatException e) {
      return 0;
    }
  }
}
