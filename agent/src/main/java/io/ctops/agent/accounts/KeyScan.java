package io.ctops.agent.accounts;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Reads the SSH public keys for the {@code ssh_key_scan} check. As the original CT-Ops agent does
 * (observed by running it): each passwd user's {@code ~/.ssh/authorized_keys} ({@code key_source}
 * "authorized_keys") and {@code ~/.ssh/id_*.pub} ("identity"), with {@code associated_username} the
 * user, then each file in {@code scan_paths} ("authorized_keys", no user); a missing path is no
 * error; {@code key_age_seconds} is the file's age. Ours also reads {@code authorized_keys2}, reads
 * the key files directly inside a directory named in {@code scan_paths}, reads each file once,
 * leaves out paths under {@code skip_paths}, gives RSA keys their real size (the original reports
 * the size of the key's encoding) and adds {@code line} and {@code has_options}.
 */
final class KeyScan {
  static final long MAX_FILE_BYTES = 1024 * 1024;
  static final int MAX_KEYS_PER_FILE = 1000;
  static final int MAX_FILES = 50_000;

  private static final List<String> AUTHORIZED = List.of("authorized_keys", "authorized_keys2");
  private static final List<String> IDENTITIES =
      List.of(
          "id_rsa.pub",
          "id_ecdsa.pub",
          "id_ed25519.pub",
          "id_dsa.pub",
          "id_ecdsa_sk.pub",
          "id_ed25519_sk.pub");

  private final HostFiles files;
  private final Clock clock;
  private final List<String> skipPaths;
  private final Set<String> seen = new HashSet<>();
  final List<Map<String, Object>> keys = new ArrayList<>();
  final List<String> notes = new ArrayList<>();
  int skipped;
  boolean anyRead;

  KeyScan(HostFiles files, Clock clock, List<String> skipPaths) {
    this.files = files;
    this.clock = clock;
    this.skipPaths = skipPaths;
  }

  void scan(List<String> scanPaths) throws InterruptedException {
    switch (files.read(files.resolve("/etc/passwd"), AccountScan.MAX_FILE_BYTES)) {
      case HostFiles.Found found -> {
        anyRead = true;
        Set<String> homes = new HashSet<>();
        for (PasswdEntry user :
            PasswdEntry.parse(found.bytes(), AccountScan.MAX_ACCOUNTS).entries()) {
          if (Thread.interrupted()) {
            throw new InterruptedException();
          }
          String home = user.home();
          if (!home.startsWith("/") || home.equals("/") || !homes.add(home)) {
            continue;
          }
          String ssh = home.endsWith("/") ? home + ".ssh" : home + "/.ssh";
          for (String name : AUTHORIZED) {
            file(ssh + "/" + name, "authorized_keys", user.username());
          }
          for (String name : IDENTITIES) {
            file(ssh + "/" + name, "identity", user.username());
          }
        }
      }
      case HostFiles.Missing missing -> notes.add("passwd not found: no home directories scanned");
      case HostFiles.Unreadable unreadable ->
          notes.add(
              "passwd not readable: " + unreadable.reason() + "; no home directories scanned");
    }
    for (String path : scanPaths) {
      Path resolved = files.resolve(path);
      if (Files.isDirectory(resolved)) {
        directory(path, resolved);
      } else {
        file(path, "authorized_keys", "");
      }
      anyRead = anyRead || Files.exists(resolved);
    }
  }

  private void directory(String path, Path resolved) {
    List<String> names = new ArrayList<>();
    try (DirectoryStream<Path> listing = Files.newDirectoryStream(resolved)) {
      for (Path entry : listing) {
        String name = entry.getFileName().toString();
        if ((name.startsWith("authorized_keys") || name.endsWith(".pub")) && names.size() < 1000) {
          names.add(name);
        }
      }
    } catch (IOException e) {
      notes.add("scan path " + path + " not readable: " + e.getMessage());
      return;
    }
    names.sort(null);
    String base = path.endsWith("/") ? path : path + "/";
    for (String name : names) {
      file(base + name, "authorized_keys", "");
    }
  }

  private boolean isSkipped(String path) {
    for (String skip : skipPaths) {
      String prefix = skip.endsWith("/") ? skip : skip + "/";
      if (path.equals(skip) || path.startsWith(prefix)) {
        return true;
      }
    }
    return false;
  }

  private void file(String path, String source, String user) {
    if (isSkipped(path) || seen.size() >= MAX_FILES || !seen.add(path)) {
      return;
    }
    Path file = files.resolve(path);
    byte[] bytes;
    switch (files.read(file, MAX_FILE_BYTES)) {
      case HostFiles.Found found -> bytes = found.bytes();
      case HostFiles.Missing missing -> {
        return;
      }
      case HostFiles.Unreadable unreadable -> {
        notes.add(path + " not readable: " + unreadable.reason());
        return;
      }
    }
    long age;
    try {
      age =
          Math.max(
              0,
              Duration.between(Files.getLastModifiedTime(file).toInstant(), clock.instant())
                  .toSeconds());
    } catch (IOException e) {
      age = 0;
    }
    String[] lines = new String(bytes, StandardCharsets.UTF_8).split("\n");
    int inFile = 0;
    for (int number = 1; number <= lines.length; number++) {
      String line = lines[number - 1];
      if (line.isBlank() || line.strip().startsWith("#")) {
        continue;
      }
      var key = PublicKeyLine.parse(line);
      if (key.isEmpty() || inFile >= MAX_KEYS_PER_FILE) {
        skipped++;
        continue;
      }
      inFile++;
      Map<String, Object> json = new LinkedHashMap<>();
      json.put("key_type", key.get().type());
      json.put("bit_length", key.get().bits());
      json.put("fingerprint_sha256", key.get().fingerprint());
      json.put("comment", key.get().comment());
      json.put("file_path", path);
      json.put("key_source", source);
      json.put("associated_username", user);
      json.put("key_age_seconds", age);
      json.put("line", number);
      json.put("has_options", key.get().hasOptions());
      keys.add(json);
    }
  }
}
