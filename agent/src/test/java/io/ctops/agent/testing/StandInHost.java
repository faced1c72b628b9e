package io.ctops.agent.testing;

import io.ctops.agent.host.HostTools;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.stream.Stream;

/**
 * A Debian 12 host with systemd, as the agent's programs see it: stand-in {@code systemctl} and
 * {@code systemd-run} (test resources {@code debian12-systemd/bin}) first on the search path,
 * replaying output captured on a real host and recording how they were called. Copied into a
 * directory of the test's own, where the stand-ins keep their records and state.
 */
public final class StandInHost {
  private final Path dir;

  private StandInHost(Path dir) {
    this.dir = dir;
  }

  /** The stand-ins and their captures, copied into {@code dir}. */
  public static StandInHost in(Path dir) {
    try {
      Path source = Path.of(StandInHost.class.getResource("/debian12-systemd").toURI());
      try (Stream<Path> files = Files.walk(source)) {
        for (Path file : files.toList()) {
          Path target = dir.resolve(source.relativize(file).toString());
          if (Files.isDirectory(file)) {
            Files.createDirectories(target);
          } else {
            Files.copy(file, target, StandardCopyOption.REPLACE_EXISTING);
          }
        }
      }
      try (Stream<Path> programs = Files.list(dir.resolve("bin"))) {
        for (Path program : programs.toList()) {
          program.toFile().setExecutable(true);
        }
      }
      return new StandInHost(dir);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (URISyntaxException e) {
      throw new IllegalStateException(e);
    }
  }

  /** The stand-ins first, then the host's own programs (sh, awk, setsid). */
  public HostTools tools() {
    return new HostTools(List.of(dir.resolve("bin"), Path.of("/usr/bin"), Path.of("/bin")));
  }

  public Path dir() {
    return dir;
  }

  /** Each call of the stand-in systemctl, its arguments joined by spaces. */
  public List<String> systemctlCalls() {
    return lines("systemctl.args");
  }

  /** Each call of the stand-in systemd-run, its arguments joined by spaces. */
  public List<String> systemdRunCalls() {
    return lines("systemd-run.args");
  }

  /** What {@code systemctl is-system-running} answers from now on ("offline": no systemd). */
  public StandInHost systemState(String state) {
    write("system-state", state + "\n");
    return this;
  }

  /** From now on start, stop and restart fail as polkit refuses them to an unprivileged user. */
  public StandInHost denyUnitChanges() {
    write("denied", "");
    return this;
  }

  private void write(String name, String text) {
    try {
      Files.writeString(dir.resolve(name), text);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private List<String> lines(String name) {
    try {
      Path file = dir.resolve(name);
      return Files.exists(file) ? Files.readAllLines(file) : List.of();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
