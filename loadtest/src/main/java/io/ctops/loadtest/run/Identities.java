package io.ctops.loadtest.run;

import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Base64;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Virtual agents' identities kept between runs ({@code --identities FILE}): the run id and hostname
 * prefix, and per agent its public key and last JWT. A later run reuses them instead of registering
 * the fleet again, which for 100,000 agents takes many minutes; an agent whose JWT has expired
 * registers again with the same key (registration is idempotent per key).
 */
public final class Identities {
  private static final Pattern HEADER =
      Pattern.compile("# ctops loadtest identities run_id=([a-z0-9]+) prefix=([a-z0-9-]+)");

  /** One agent's identity. */
  public record Identity(String publicKeyPem, String jwt) {}

  /** The contents of a file. */
  public record Fleet(String runId, String prefix, Map<Integer, Identity> agents) {}

  private Identities() {}

  /** Reads {@code file}, or empty when it does not exist. Refuses a file it did not write. */
  public static Optional<Fleet> read(Path file) throws IOException {
    if (!Files.exists(file)) {
      return Optional.empty();
    }
    try (BufferedReader in = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
      String header = in.readLine();
      Matcher m = header == null ? null : HEADER.matcher(header);
      if (m == null || !m.matches()) {
        throw new IOException(file + " is not a load test identities file");
      }
      Map<Integer, Identity> agents = new HashMap<>();
      Base64.Decoder base64 = Base64.getDecoder();
      String line;
      int lineNumber = 1;
      while ((line = in.readLine()) != null) {
        lineNumber++;
        String[] fields = line.split("\t");
        try {
          if (fields.length != 3) {
            throw new IllegalArgumentException("expected 3 fields");
          }
          agents.put(
              Integer.parseInt(fields[0]),
              new Identity(
                  new String(base64.decode(fields[1]), StandardCharsets.UTF_8), fields[2]));
        } catch (IllegalArgumentException e) {
          throw new IOException(file + " line " + lineNumber + ": " + e.getMessage());
        }
      }
      return Optional.of(new Fleet(m.group(1), m.group(2), agents));
    }
  }

  /** Writes {@code fleet} to {@code file} atomically (mode 0600: the JWTs are credentials). */
  public static void write(Path file, Fleet fleet) throws IOException {
    Path dir = file.toAbsolutePath().getParent();
    Path temp = Files.createTempFile(dir, ".identities-", ".tmp");
    try {
      try (BufferedWriter out = Files.newBufferedWriter(temp, StandardCharsets.UTF_8)) {
        out.write(
            "# ctops loadtest identities run_id=" + fleet.runId() + " prefix=" + fleet.prefix());
        out.newLine();
        Base64.Encoder base64 = Base64.getEncoder();
        for (var e : new TreeMap<>(fleet.agents()).entrySet()) {
          out.write(
              e.getKey()
                  + "\t"
                  + base64.encodeToString(
                      e.getValue().publicKeyPem().getBytes(StandardCharsets.UTF_8))
                  + "\t"
                  + e.getValue().jwt());
          out.newLine();
        }
      }
      Files.move(temp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    } finally {
      Files.deleteIfExists(temp);
    }
  }
}
