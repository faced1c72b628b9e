package io.ctops.agent.inventory;

import java.io.IOException;
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
}
