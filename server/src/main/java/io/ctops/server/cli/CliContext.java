package io.ctops.server.cli;

import io.ctops.server.platform.config.DatabaseSettings;
import io.ctops.server.platform.config.Environment;
import io.ctops.server.platform.database.Database;
import java.io.InputStream;
import java.time.Clock;
import java.util.function.Function;

/**
 * What every command is given: the environment to configure from, the clock and standard input
 * (secrets such as {@code --password-stdin} are read from it). Admin commands act on the same
 * database as the server: {@code DATABASE_URL}, or the data directory's embedded one, whether or
 * not a server is running on it.
 */
public record CliContext(Environment environment, Clock clock, InputStream stdin) {

  /** A context reading the process's standard input. */
  public CliContext(Environment environment, Clock clock) {
    this(environment, clock, System.in);
  }

  public <T> T withDatabase(String command, Function<Database, T> work) {
    DatabaseSettings settings = DatabaseSettings.from(environment);
    try (Database database = Database.open(settings, Database.Access.SHARED, command)) {
      return work.apply(database);
    }
  }
}
