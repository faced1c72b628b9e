package io.ctops.server.platform.build;

/** This build's version, from the jar manifest ("development" when run from classes). */
public final class BuildInfo {
  private BuildInfo() {}

  public static String version() {
    String version = BuildInfo.class.getPackage().getImplementationVersion();
    return version == null ? "0.0.0-development" : version;
  }
}
