package io.ctops.agent.service;

import io.ctops.agent.identity.SecureFiles;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * Puts the agent in place as a systemd service: the config in {@code /etc/ct-ops/agent.toml} (0600,
 * it holds the token), the data dir, and {@code ct-ops-agent.service}. All paths are under a root
 * directory, "/" for real, a temporary one in tests.
 */
public final class ServiceInstaller {
  public static final String UNIT_NAME = "ct-ops-agent.service";
  static final Path CONFIG = Path.of("etc/ct-ops/agent.toml");
  static final Path UNIT = Path.of("etc/systemd/system").resolve(UNIT_NAME);

  private final Path root;

  public ServiceInstaller(Path root) {
    this.root = root;
  }

  /** What was written, for the user. */
  public List<String> install(Path config, Path launcher, Path dataDir) {
    List<String> done = new ArrayList<>();
    try {
      Path targetConfig = root.resolve(CONFIG);
      if (!config.toAbsolutePath().normalize().equals(targetConfig.toAbsolutePath().normalize())) {
        SecureFiles.write(targetConfig, Files.readAllBytes(config), true);
        done.add("wrote " + targetConfig + " (mode 0600)");
      }
      Path data = root.resolve(Path.of("/").relativize(dataDir.toAbsolutePath()));
      Files.createDirectories(
          data, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
      done.add("created " + data + " (mode 0700)");
      String unit =
          template()
              .replace("@LAUNCHER@", launcher.toAbsolutePath().toString())
              .replace("@CONFIG@", "/" + CONFIG)
              .replace("@DATA_DIR@", dataDir.toAbsolutePath().toString());
      SecureFiles.write(root.resolve(UNIT), unit, false);
      done.add("wrote " + root.resolve(UNIT));
      return done;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot install under " + root + ": " + e.getMessage(), e);
    }
  }

  /** Removes the unit and the config; with {@code purge} also the data dir (the identity). */
  public List<String> uninstall(Path dataDir, boolean purge) {
    List<String> done = new ArrayList<>();
    try {
      for (Path path : List.of(root.resolve(UNIT), root.resolve(CONFIG))) {
        if (Files.deleteIfExists(path)) {
          done.add("removed " + path);
        }
      }
      Path data = root.resolve(Path.of("/").relativize(dataDir.toAbsolutePath()));
      if (purge && Files.exists(data)) {
        try (var paths = Files.walk(data)) {
          for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
            Files.delete(path);
          }
        }
        done.add("removed " + data);
      }
      return done;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot uninstall under " + root + ": " + e.getMessage(), e);
    }
  }

  static String template() throws IOException {
    try (InputStream in = ServiceInstaller.class.getResourceAsStream(UNIT_NAME)) {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
  }
}
