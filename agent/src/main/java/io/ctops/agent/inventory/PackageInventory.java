package io.ctops.agent.inventory;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * The host's installed software, from the first package manager present in the order dpkg, rpm,
 * pacman, apk.
 */
public final class PackageInventory {
  private final List<PackageSource> sources;

  public PackageInventory(Path root) {
    this.sources =
        List.of(
            new DpkgStatus(root),
            new RpmQuery(root),
            new PacmanLocal(root),
            new ApkInstalled(root));
  }

  /** What a scan found, and where. */
  public record Scan(String source, List<InstalledPackage> packages) {}

  /** The host's packages, or empty when it has none of the known package managers. */
  public Optional<Scan> scan() throws IOException {
    for (PackageSource source : sources) {
      if (source.isPresent()) {
        return Optional.of(new Scan(source.name(), source.read()));
      }
    }
    return Optional.empty();
  }
}
