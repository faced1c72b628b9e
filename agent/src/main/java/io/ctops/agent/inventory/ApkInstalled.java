package io.ctops.agent.inventory;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Alpine: {@code /lib/apk/db/installed}, one block per package of single-letter fields ({@code P:}
 * name, {@code V:} version, {@code A:} architecture, {@code m:} maintainer). apk records no install
 * time.
 */
public final class ApkInstalled implements PackageSource {
  private final Path root;

  public ApkInstalled(Path root) {
    this.root = root;
  }

  @Override
  public String name() {
    return "apk";
  }

  private Path database() {
    return root.resolve("lib/apk/db/installed");
  }

  @Override
  public boolean isPresent() {
    return Files.isReadable(database());
  }

  @Override
  public List<InstalledPackage> read() throws IOException {
    List<InstalledPackage> packages = new ArrayList<>();
    Map<Character, String> fields = new HashMap<>();
    for (String line : PackageSource.lines(database())) {
      if (line.isBlank()) {
        add(fields, packages);
        fields.clear();
      } else if (line.length() >= 2 && line.charAt(1) == ':') {
        fields.putIfAbsent(line.charAt(0), line.substring(2));
      }
    }
    add(fields, packages);
    return packages;
  }

  private static void add(Map<Character, String> fields, List<InstalledPackage> packages) {
    String name = fields.getOrDefault('P', "");
    if (name.isBlank()) {
      return;
    }
    packages.add(
        new InstalledPackage(
            name,
            fields.getOrDefault('V', ""),
            fields.getOrDefault('A', ""),
            fields.getOrDefault('m', ""),
            0));
  }
}
