package io.ctops.server.cli;

import io.ctops.server.audit.Actor;
import io.ctops.server.auth.LoginThrottle;
import io.ctops.server.auth.PasswordHashing;
import io.ctops.server.auth.Role;
import io.ctops.server.auth.UserScopes;
import io.ctops.server.auth.Users;
import io.ctops.server.auth.Users.Account;
import io.ctops.server.auth.Users.User;
import io.ctops.server.orgs.Organisations;
import io.ctops.server.orgs.Organisations.Organisation;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import picocli.CommandLine.Command;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.TypeConversionException;

/**
 * {@code ctops user ...}: accounts from the command line, and the way in that needs no account — a
 * fresh installation's first super admin, or a locked-out admin's new password.
 */
@Command(
    name = "user",
    description =
        "Create and list users, change a role, reset a password (the way back in for a"
            + " locked-out admin).",
    mixinStandardHelpOptions = true)
final class UserCommand {
  /** How the audit log names what these commands do. */
  static final Actor COMMAND_LINE = Actor.system("command line");

  /** The roles from the least to the most powerful, as people read them. */
  private static final String ROLES =
      String.join(", ", Arrays.stream(Role.values()).map(Role::dbName).toList().reversed());

  /** Roles as the product names them: {@code read_only}, {@code engineer}, … */
  static final class Roles implements ITypeConverter<Role> {
    @Override
    public Role convert(String value) {
      return Role.parse(value.strip().toLowerCase(Locale.ROOT))
          .orElseThrow(
              () ->
                  new TypeConversionException(
                      "expected one of " + ROLES + ", got '" + value + "'"));
    }
  }

  /** A password from standard input: its first line, without the line break. */
  static String readPassword(InputStream stdin) {
    StringBuilder line = new StringBuilder();
    try {
      Reader reader = new InputStreamReader(stdin, StandardCharsets.UTF_8);
      int c;
      // one more than a password may have, so an over-long one is refused for its length
      while (line.length() <= 1024 && (c = reader.read()) != -1 && c != '\n') {
        line.append((char) c);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    if (!line.isEmpty() && line.charAt(line.length() - 1) == '\r') {
      line.setLength(line.length() - 1);
    }
    if (line.isEmpty()) {
      throw new UserError("--password-stdin: no password on standard input");
    }
    return line.toString();
  }

  private static Users users(AdminCommand.Admin admin) {
    return new Users(admin.jdbi(), new PasswordHashing(), admin.clock());
  }

  private static User existing(Users users, String email) {
    return users
        .byEmail(email)
        .orElseThrow(() -> new UserError("no user with email " + email.strip()));
  }

  /** What {@code user create} and {@code user reset-password} print. */
  record Outcome(User user, String orgName, Optional<String> generatedPassword) {}

  @Command(
      name = "create",
      description = {
        "Create a user. Prints a generated password, alone on standard output, once; or reads"
            + " the password from standard input with --password-stdin (at least 12 characters).",
        "The first super admin of an installation is made with --role super_admin."
      },
      mixinStandardHelpOptions = true)
  static final class Create extends AdminCommand<Outcome> {
    @Option(
        names = "--email",
        required = true,
        paramLabel = "EMAIL",
        description = "Sign-in email.")
    String email;

    @Option(
        names = "--role",
        required = true,
        paramLabel = "ROLE",
        converter = Roles.class,
        description = "read_only, engineer, org_admin or super_admin.")
    Role role;

    @Option(
        names = "--org",
        paramLabel = "NAME",
        description = "Organisation (name or slug). Default: the default organisation.")
    String org;

    @Option(names = "--display-name", paramLabel = "NAME", description = "Name shown in the app.")
    String displayName;

    @Option(
        names = "--password-stdin",
        description = "Read the password from the first line of standard input.")
    boolean passwordStdin;

    private Users.NewUser user;

    Create(CliContext context) {
      super(context);
    }

    @Override
    void checkOptions() {
      String password = passwordStdin ? readPassword(stdin()) : GeneratedPassword.generate();
      try {
        user = new Users.NewUser(email, displayName, password, role);
      } catch (IllegalArgumentException e) {
        throw new UserError(e.getMessage());
      }
    }

    @Override
    Outcome act(Admin admin) {
      Organisation organisation = new Organisations(admin.jdbi()).resolve(Optional.ofNullable(org));
      return switch (users(admin).create(organisation.id(), user, COMMAND_LINE)) {
        case Users.Creation.Created created ->
            new Outcome(
                created.user(),
                organisation.name(),
                passwordStdin ? Optional.empty() : Optional.of(user.password()));
        case Users.Creation.EmailTaken taken ->
            throw new UserError("an account with " + taken.email() + " already exists");
      };
    }

    @Override
    void print(Outcome created, PrintWriter out) {
      String note =
          "Created "
              + created.user().role().dbName()
              + " "
              + created.user().email()
              + " in organisation "
              + created.orgName()
              + ".";
      printOnce(created, note, out, spec.commandLine().getErr());
    }
  }

  /**
   * A generated password alone on standard output, so scripts can capture it, and the note on
   * standard error; without one, the note on standard output.
   */
  private static void printOnce(Outcome outcome, String note, PrintWriter out, PrintWriter err) {
    if (outcome.generatedPassword().isEmpty()) {
      out.println(note);
      return;
    }
    out.println(outcome.generatedPassword().get());
    out.flush();
    err.println(note + " The password is not shown again.");
    err.flush();
  }

  @Command(
      name = "set-role",
      description = {
        "Change a user's role on the whole organisation, or limit them to host groups with a"
            + " role on each (repeat --group, no ROLE): they then see only those groups' hosts.",
        "It applies to their next request."
      },
      mixinStandardHelpOptions = true)
  static final class SetRole extends AdminCommand<SetRole.Changed> {
    @Parameters(index = "0", paramLabel = "EMAIL", description = "The user's email.")
    String email;

    @Parameters(
        index = "1",
        arity = "0..1",
        paramLabel = "ROLE",
        converter = Roles.class,
        description = "read_only, engineer, org_admin or super_admin, on the whole organisation.")
    Role role;

    @Option(
        names = "--group",
        paramLabel = "NAME=ROLE",
        description =
            "A group (by name) and the role on it, engineer or read_only; repeat for each group."
                + " The user sees only these groups' hosts.")
    List<String> groups = new ArrayList<>();

    private final Map<String, Role> groupRoles = new LinkedHashMap<>();

    SetRole(CliContext context) {
      super(context);
    }

    /** What changed: the user before, and the role or the groups now. */
    record Changed(User user, Role now, Map<String, Role> groups) {}

    @Override
    void checkOptions() {
      if ((role == null) == groups.isEmpty()) {
        throw new UserError("give either a ROLE for the whole organisation or --group NAME=ROLE");
      }
      for (String group : groups) {
        int equals = group.lastIndexOf('=');
        Role onGroup =
            equals < 0
                ? null
                : Role.parse(group.substring(equals + 1).strip().toLowerCase(Locale.ROOT))
                    .filter(UserScopes.GROUP_ROLES::contains)
                    .orElse(null);
        if (onGroup == null || group.substring(0, equals).isBlank()) {
          throw new UserError(
              "--group takes NAME=ROLE with ROLE engineer or read_only, got '" + group + "'");
        }
        if (groupRoles.put(group.substring(0, equals).strip(), onGroup) != null) {
          throw new UserError("--group names " + group.substring(0, equals).strip() + " twice");
        }
      }
    }

    @Override
    Changed act(Admin admin) {
      Users users = users(admin);
      User user = existing(users, email);
      Users.Change change;
      if (role != null) {
        change = users.changeRole(user.orgId(), user.id(), role, COMMAND_LINE);
      } else {
        Map<UUID, Role> byId = new LinkedHashMap<>();
        Map<String, UUID> ids = groupIds(admin, user.orgId());
        groupRoles.forEach(
            (name, onGroup) -> {
              UUID id = ids.get(name.toLowerCase(Locale.ROOT));
              if (id == null) {
                throw new UserError("no group named " + name + " in the user's organisation");
              }
              byId.put(id, onGroup);
            });
        change =
            new UserScopes(admin.jdbi()).scopeToGroups(user.orgId(), user.id(), byId, COMMAND_LINE);
      }
      switch (change) {
        case Users.Change.Done done -> {}
        case Users.Change.NotFound notFound ->
            throw new UserError("no user with email " + email.strip());
        case Users.Change.Refused refused ->
            throw new UserError(
                refused.reason() + "; make another user of it an admin first, then try again");
      }
      return new Changed(user, role, groupRoles);
    }

    /** The organisation's groups by lower-case name (names are unique in any case). */
    private static Map<String, UUID> groupIds(Admin admin, UUID orgId) {
      Map<String, UUID> ids = new LinkedHashMap<>();
      new UserScopes(admin.jdbi())
          .groups(orgId)
          .forEach(g -> ids.put(g.name().toLowerCase(Locale.ROOT), g.id()));
      return ids;
    }

    @Override
    void print(Changed changed, PrintWriter out) {
      if (changed.now() == null) {
        List<String> shown = new ArrayList<>();
        changed
            .groups()
            .forEach((name, onGroup) -> shown.add(name + " (" + onGroup.dbName() + ")"));
        out.println(
            changed.user().email()
                + " now sees only the hosts of "
                + String.join(", ", shown)
                + ".");
        return;
      }
      out.println(
          changed.user().role() == changed.now()
              ? changed.user().email() + " already is " + changed.now().dbName() + "."
              : changed.user().email()
                  + " is now "
                  + changed.now().dbName()
                  + " (was "
                  + changed.user().role().dbName()
                  + ").");
    }
  }

  @Command(
      name = "list",
      description =
          "List users with their role, organisation, last sign-in and whether failed sign-ins"
              + " lock them out from some address now.",
      mixinStandardHelpOptions = true)
  static final class ListUsers extends AdminCommand<ListUsers.Listing> {
    @Option(names = "--org", paramLabel = "NAME", description = "Only this organisation's users.")
    String org;

    ListUsers(CliContext context) {
      super(context);
    }

    record Listing(List<Account> accounts, Map<String, Integer> lockedAddresses) {}

    @Override
    Listing act(Admin admin) {
      return new Listing(
          users(admin).accounts(admin.organisationFilter(org)),
          new LoginThrottle(admin.jdbi(), admin.clock()).lockedAccounts());
    }

    @Override
    void print(Listing listing, PrintWriter out) {
      Output table =
          new Output("EMAIL", "NAME", "ROLE", "ORG", "CREATED", "LAST-SIGN-IN", "LOCKED");
      for (Account account : listing.accounts()) {
        User user = account.user();
        Integer locked = listing.lockedAddresses().get(user.email().toLowerCase(Locale.ROOT));
        table.row(
            user.email(),
            user.displayName() == null ? "-" : user.displayName(),
            user.role().dbName(),
            account.orgName(),
            Output.time(user.createdAt()),
            Output.time(account.lastSignInAt()),
            locked == null ? "no" : "from " + locked + (locked == 1 ? " address" : " addresses"));
      }
      out.print(listing.accounts().isEmpty() ? "No users.\n" : table.render());
    }
  }

  @Command(
      name = "reset-password",
      description = {
        "Give a user a new password: a generated one, printed alone on standard output once, or"
            + " the first line of standard input with --password-stdin.",
        "Their sessions end and their failed sign-ins are forgotten, so a locked-out admin can"
            + " sign in at once."
      },
      mixinStandardHelpOptions = true)
  static final class ResetPassword extends AdminCommand<Outcome> {
    @Parameters(paramLabel = "EMAIL", description = "The user's email.")
    String email;

    @Option(
        names = "--password-stdin",
        description = "Read the password from the first line of standard input.")
    boolean passwordStdin;

    private String password;

    ResetPassword(CliContext context) {
      super(context);
    }

    @Override
    void checkOptions() {
      password = passwordStdin ? readPassword(stdin()) : GeneratedPassword.generate();
      try {
        Users.checkPassword(password);
      } catch (IllegalArgumentException e) {
        throw new UserError(e.getMessage());
      }
    }

    @Override
    Outcome act(Admin admin) {
      Users users = users(admin);
      User user = existing(users, email);
      users.changePassword(user.id(), user.orgId(), password, COMMAND_LINE);
      new LoginThrottle(admin.jdbi(), admin.clock()).clear(user.email());
      return new Outcome(user, "", passwordStdin ? Optional.empty() : Optional.of(password));
    }

    @Override
    void print(Outcome reset, PrintWriter out) {
      printOnce(
          reset,
          "New password set for "
              + reset.user().email()
              + "; their sessions ended and their failed sign-ins are forgotten.",
          out,
          spec.commandLine().getErr());
    }
  }
}
