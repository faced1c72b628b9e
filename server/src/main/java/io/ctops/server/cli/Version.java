package io.ctops.server.cli;

import picocli.CommandLine.IVersionProvider;

/** The build's version, from the jar manifest. */
final class Version implements IVersionProvider {
  @Override
  public String[] getVersion() {
    String version = Version.class.getPackage().getImplementationVersion();
    return new String[] {"ctops " + (version == null ? "development build" : version)};
  }
}
