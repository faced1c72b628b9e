package io.ctops.agent.accounts;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

/**
 * Accounts the name service knows beyond {@code /etc/passwd}: when {@code nsswitch.conf} sends
 * {@code passwd} lookups to SSSD, winbind or LDAP, {@code getent passwd} (run directly, no shell,
 * for at most {@link #TIMEOUT_SECONDS}) lists what it can enumerate. Directories that do not
 * enumerate their users list only the local ones; that is all this can see without a login name.
 */
final class DomainAccounts {
  static final int TIMEOUT_SECONDS = 5;
  static final int MAX_OUTPUT_BYTES = 16 * 1024 * 1024;

  private static final Pattern DOMAIN_SOURCES = Pattern.compile("\\b(sss|winbind|ldap)\\b");
  private static final List<String> GETENT = List.of("/usr/bin/getent", "/bin/getent");

  private DomainAccounts() {}

  /** The name service sources for passwd that are directories, e.g. "sss"; empty when none. */
  static Optional<String> source(HostFiles files) {
    if (!(files.read(files.resolve("/etc/nsswitch.conf"), 64 * 1024)
        instanceof HostFiles.Found found)) {
      return Optional.empty();
    }
    for (String line : new String(found.bytes(), StandardCharsets.UTF_8).split("\n")) {
      String entry = line.strip();
      if (entry.startsWith("passwd:")) {
        var matcher = DOMAIN_SOURCES.matcher(entry.substring("passwd:".length()));
        return matcher.find() ? Optional.of(matcher.group(1)) : Optional.empty();
      }
    }
    return Optional.empty();
  }

  /** {@code getent passwd}'s entries; empty with a note when it is absent, fails or hangs. */
  static Optional<byte[]> list(List<String> notes) throws InterruptedException {
    Optional<Path> getent = GETENT.stream().map(Path::of).filter(Files::isExecutable).findFirst();
    if (getent.isEmpty()) {
      notes.add("domain accounts not listed: getent is not installed");
      return Optional.empty();
    }
    Process process;
    try {
      process =
          new ProcessBuilder(getent.get().toString(), "passwd")
              .redirectError(ProcessBuilder.Redirect.DISCARD)
              .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
              .start();
    } catch (IOException e) {
      notes.add("domain accounts not listed: " + e.getMessage());
      return Optional.empty();
    }
    try (InputStream out = process.getInputStream()) {
      byte[][] read = new byte[1][];
      Thread reader =
          Thread.ofVirtual()
              .start(
                  () -> {
                    try {
                      read[0] = out.readNBytes(MAX_OUTPUT_BYTES);
                    } catch (IOException e) {
                      read[0] = null;
                    }
                  });
      if (!process.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
        process.destroyForcibly();
        notes.add("domain accounts not listed: getent passwd took over " + TIMEOUT_SECONDS + " s");
        return Optional.empty();
      }
      reader.join(TimeUnit.SECONDS.toMillis(TIMEOUT_SECONDS));
      if (process.exitValue() != 0 || read[0] == null) {
        notes.add("domain accounts not listed: getent passwd exited " + process.exitValue());
        return Optional.empty();
      }
      return Optional.of(read[0]);
    } catch (IOException e) {
      notes.add("domain accounts not listed: " + e.getMessage());
      return Optional.empty();
    } finally {
      process.destroyForcibly();
    }
  }
}
