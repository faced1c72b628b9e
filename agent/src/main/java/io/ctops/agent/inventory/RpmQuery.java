package io.ctops.agent.inventory;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * RHEL, Fedora, SUSE: the rpm database, read through {@code rpm -qa} with a tab-separated query
 * format (the database itself is a Berkeley DB or SQLite file whose layout is rpm's business).
 */
public final class RpmQuery implements PackageSource {
  static final String QUERY_FORMAT =
      "%{NAME}\\t%|EPOCH?{%{EPOCH}:}:{}|%{VERSION}-%{RELEASE}\\t%{ARCH}\\t%{VENDOR}\\t%{INSTALLTIME}\\n";

  private final Path root;

  public RpmQuery(Path root) {
    this.root = root;
  }

  @Override
  public String name() {
    return "rpm";
  }

  @Override
  public boolean isPresent() {
    return Files.isDirectory(root.resolve("var/lib/rpm"))
        && (Files.isExecutable(Path.of("/usr/bin/rpm")) || Files.isExecutable(Path.of("/bin/rpm")));
  }

  @Override
  public List<InstalledPackage> read() throws IOException {
    Process process =
        new ProcessBuilder("rpm", "--root", root.toString(), "-qa", "--queryformat", QUERY_FORMAT)
            .redirectErrorStream(false)
            .start();
    String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    try {
      if (!process.waitFor(60, TimeUnit.SECONDS) || process.exitValue() != 0) {
        process.destroyForcibly();
        throw new IOException("rpm -qa failed (exit " + process.exitValue() + ")");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      process.destroyForcibly();
      throw new IOException("interrupted while running rpm -qa", e);
    }
    return parse(output);
  }

  /** Lines of name, [epoch:]version-release, arch, vendor, install time, tab-separated. */
  static List<InstalledPackage> parse(String output) {
    List<InstalledPackage> packages = new ArrayList<>();
    for (String line : output.split("\n")) {
      String[] fields = line.split("\t", -1);
      if (fields.length < 5 || fields[0].isBlank()) {
        continue;
      }
      packages.add(
          new InstalledPackage(
              fields[0],
              fields[1],
              none(fields[2]),
              none(fields[3]),
              PacmanLocal.seconds(fields[4])));
    }
    return packages;
  }

  /** rpm prints "(none)" for an absent tag. */
  private static String none(String value) {
    return value.equals("(none)") ? "" : value;
  }
}
