package io.ctops.agent.inventory;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** A package manager's database on this host (dpkg, rpm, pacman or apk). */
public interface PackageSource {
  /**
   * The source's name as sent to the server: {@code dpkg}, {@code rpm}, {@code pacman}, {@code
   * apk}.
   */
  String name();

  /** Whether this host has this package manager's database. */
  boolean isPresent();

  /** Every installed package; packages without a name are left out. */
  List<InstalledPackage> read() throws IOException;

  /**
   * The lines of a package database file, bytes that are not UTF-8 read as U+FFFD: one odd entry
   * must not make the whole database unreadable (the entry is then skipped, see {@link
   * InstalledPackage#isRepresentable}).
   */
  static List<String> lines(Path file) throws IOException {
    return new String(Files.readAllBytes(file), StandardCharsets.UTF_8).lines().toList();
  }
}
