package io.ctops.agent.inventory;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Debian and Ubuntu: {@code /var/lib/dpkg/status}, read directly (no {@code dpkg-query} process).
 * Only packages whose status is "install ok installed" count; the install date is the time the
 * package's file list ({@code info/<name>[:<arch>].list}) was last written, when it exists.
 */
public final class DpkgStatus implements PackageSource {
  private final Path root;

  public DpkgStatus(Path root) {
    this.root = root;
  }

  @Override
  public String name() {
    return "dpkg";
  }

  private Path status() {
    return root.resolve("var/lib/dpkg/status");
  }

  @Override
  public boolean isPresent() {
    return Files.isReadable(status());
  }

  @Override
  public List<InstalledPackage> read() throws IOException {
    List<InstalledPackage> packages = new ArrayList<>();
    Map<String, String> fields = new HashMap<>();
    String last = null;
    for (String line : PackageSource.lines(status())) {
      if (line.isBlank()) {
        add(fields, packages);
        fields.clear();
        last = null;
      } else if ((line.startsWith(" ") || line.startsWith("\t")) && last != null) {
        // a continuation line (Description, Conffiles): not needed
        continue;
      } else {
        int colon = line.indexOf(':');
        if (colon > 0) {
          last = line.substring(0, colon);
          fields.put(last, line.substring(colon + 1).strip());
        }
      }
    }
    add(fields, packages);
    return packages;
  }

  private void add(Map<String, String> fields, List<InstalledPackage> packages) {
    String name = fields.getOrDefault("Package", "");
    if (name.isBlank() || !fields.getOrDefault("Status", "").endsWith(" installed")) {
      return;
    }
    String arch = fields.getOrDefault("Architecture", "");
    packages.add(
        new InstalledPackage(
            name,
            fields.getOrDefault("Version", ""),
            arch,
            fields.getOrDefault("Maintainer", ""),
            installTime(name, arch)));
  }

  private long installTime(String name, String arch) {
    Path info = root.resolve("var/lib/dpkg/info");
    try {
      for (Path list :
          List.of(info.resolve(name + ":" + arch + ".list"), info.resolve(name + ".list"))) {
        if (Files.exists(list)) {
          return Files.getLastModifiedTime(list).toInstant().getEpochSecond();
        }
      }
    } catch (IOException | InvalidPathException e) {
      // A name no file can have (a NUL in it): the entry is skipped later anyway.
      return 0;
    }
    return 0;
  }
}
