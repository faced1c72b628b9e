package io.ctops.server.cli;

import io.ctops.server.auth.ApiKeys;
import io.ctops.server.auth.PasswordHashing;
import io.ctops.server.auth.Users;
import io.ctops.server.auth.Users.User;
import java.io.PrintWriter;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code ctops apikey ...}: personal API keys made for a user, e.g. for a provisioning script. */
@Command(
    name = "apikey",
    description = "Create a user's personal API key (Authorization: Bearer) for the JSON API.",
    mixinStandardHelpOptions = true)
final class ApiKeyCommand {

  /** The new key and whose it is. */
  record Created(ApiKeys.CreatedKey key, User user) {}

  @Command(
      name = "create",
      description =
          "Create an API key for a user and print it, alone, on standard output. It acts with the"
              + " user's role, as keys made on the profile page do, and is shown once: only its"
              + " hash is stored.",
      mixinStandardHelpOptions = true)
  static final class Create extends AdminCommand<Created> {
    @Option(
        names = "--user",
        required = true,
        paramLabel = "EMAIL",
        description = "The user the key acts as.")
    String email;

    @Option(
        names = "--name",
        paramLabel = "NAME",
        description = "A label for the key. Default: cli-<UTC date and time>.")
    String name;

    @Option(
        names = "--expires-in",
        paramLabel = "DURATION",
        converter = Durations.class,
        description = "The key stops working after this long, e.g. 12h, 30d. Default: never.")
    Duration expiresIn;

    Create(CliContext context) {
      super(context);
    }

    @Override
    Created act(Admin admin) {
      Instant now = admin.clock().instant();
      User user =
          new Users(admin.jdbi(), new PasswordHashing(), admin.clock())
              .byEmail(email)
              .orElseThrow(() -> new UserError("no user with email " + email.strip()));
      String label = name != null ? name : "cli-" + Output.time(now).replace(' ', 'T');
      try {
        return new Created(
            new ApiKeys(admin.jdbi(), admin.clock())
                .create(
                    user.id(),
                    user.orgId(),
                    label,
                    UserCommand.COMMAND_LINE,
                    Optional.ofNullable(expiresIn).map(now::plus)),
            user);
      } catch (IllegalArgumentException e) {
        throw new UserError(e.getMessage());
      }
    }

    @Override
    void print(Created created, PrintWriter out) {
      out.println(created.key().plainKey());
      out.flush();
      PrintWriter err = spec.commandLine().getErr();
      err.println(
          "Created API key "
              + created.key().key().name()
              + " for "
              + created.user().email()
              + " ("
              + created.user().role().dbName()
              + created.key().key().expiresAt().map(at -> ", expires " + Output.time(at)).orElse("")
              + "). It is not shown again.");
      err.flush();
    }
  }
}
