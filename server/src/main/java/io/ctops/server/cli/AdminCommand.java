package io.ctops.server.cli;

import io.ctops.server.orgs.Organisations;
import java.io.InputStream;
import java.io.PrintWriter;
import java.time.Clock;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.Callable;
import org.jdbi.v3.core.Jdbi;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * The shape every admin command ({@code token ...}, {@code agent list/approve/revoke}, {@code user
 * ...}, {@code apikey create}) shares: check the options, open the server's database as the
 * environment configures it, act on it, close it, then print the outcome. A command only says what
 * it checks, does and prints; a failure is an exception that {@link Cli} turns into one line and an
 * exit code ({@link UserError} or an unknown organisation: 1), the same for every command.
 *
 * @param <T> what the command's action returns for printing
 */
abstract class AdminCommand<T> implements Callable<Integer> {
  private final CliContext context;
  @Spec CommandSpec spec;

  AdminCommand(CliContext context) {
    this.context = context;
  }

  /** What an admin command acts with: the server's database and the clock. */
  record Admin(Jdbi jdbi, Clock clock) {
    /** The organisation {@code --org} names (by name or slug), or the default one without it. */
    UUID organisation(String nameOrSlug) {
      return new Organisations(jdbi).resolve(Optional.ofNullable(nameOrSlug)).id();
    }

    /** The organisation {@code --org} names, or empty for every organisation without it. */
    Optional<UUID> organisationFilter(String nameOrSlug) {
      return Optional.ofNullable(nameOrSlug).map(this::organisation);
    }
  }

  /**
   * Refuses bad options with a {@link UserError} before the database opens, so a mistyped command
   * neither starts the embedded database nor writes anything. Checks nothing by default.
   */
  void checkOptions() {}

  /** The command's work, while the database is open. */
  abstract T act(Admin admin);

  /** Prints the outcome; an outcome the user must act on throws a {@link UserError} instead. */
  abstract void print(T outcome, PrintWriter out);

  /** Standard input, where secrets are read from ({@code --password-stdin}). */
  InputStream stdin() {
    return context.stdin();
  }

  /** The clock the command runs by, for printing states that depend on the time. */
  Clock clock() {
    return context.clock();
  }

  @Override
  public final Integer call() {
    checkOptions();
    T outcome =
        context.withDatabase(
            holderName(), database -> act(new Admin(database.jdbi(), context.clock())));
    PrintWriter out = spec.commandLine().getOut();
    print(outcome, out);
    out.flush();
    return 0;
  }

  /** "token create": how the data directory's lock names this command while it holds it. */
  private String holderName() {
    return spec.qualifiedName(" ").substring(spec.root().name().length()).strip();
  }
}
