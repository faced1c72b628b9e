package io.ctops.agent.inventory;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
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

  /**
   * What a scan found, and where; {@code skipped} counts the entries the server could not store
   * (see {@link InstalledPackage#isRepresentable}), left out rather than failing the whole scan.
   */
  public record Scan(String source, List<InstalledPackage> packages, int skipped) {}

  /** The host's packages, or empty when it has none of the known package managers. */
  public Optional<Scan> scan() throws IOException {
    for (PackageSource source : sources) {
      if (source.isPresent()) {
        return Optional.of(representable(source.name(), source.read()));
      }
    }
    return Optional.empty();
  }

  static Scan representable(String source, List<InstalledPackage> read) {
    List<InstalledPackage> kept = new ArrayList<>(read.size());
    for (InstalledPackage p : read) {
      if (p.isRepresentable()) {
        kept.add(
            p.publisher().indexOf('\0') < 0
                ? p
                : new InstalledPackage(
                    p.name(),
                    p.version(),
                    p.architecture(),
                    p.publisher().replace('\0', '\uFFFD'),
                    p.installedUnix()));
      }
    }
    return new Scan(source, kept, read.size() - kept.size());
  }
}
