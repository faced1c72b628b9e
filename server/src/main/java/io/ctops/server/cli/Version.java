package io.ctops.server.cli;

import io.ctops.server.platform.build.BuildInfo;
import picocli.CommandLine.IVersionProvider;

/** The build's version, from the jar manifest. */
final class Version implements IVersionProvider {
  @Override
  public String[] getVersion() {
    return new String[] {"ctops " + BuildInfo.version()};
  }
}
