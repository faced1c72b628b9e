package io.ctops.server.cli;

import io.ctops.server.enrolment.EnrolmentTokens;
import io.ctops.server.enrolment.EnrolmentTokens.EnrolmentToken;
import io.ctops.server.enrolment.EnrolmentTokens.Revocation;
import io.ctops.server.enrolment.EnrolmentTokens.TokenRequest;
import java.io.PrintWriter;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.UUID;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code ctops token ...}: enrolment tokens that let agents register. */
@Command(
    name = "token",
    description = "Create, list and revoke enrolment tokens (what an agent presents to register).",
    mixinStandardHelpOptions = true)
final class TokenCommand {

  @Command(
      name = "create",
      description =
          "Create an enrolment token and print it, alone, on standard output. The token is shown once: only its hash is stored.",
      mixinStandardHelpOptions = true)
  static final class Create extends AdminCommand<EnrolmentTokens.CreatedToken> {
    @Option(
        names = "--org",
        paramLabel = "NAME",
        description = "Organisation (name or slug). Default: the default organisation.")
    String org;

    @Option(
        names = "--name",
        paramLabel = "NAME",
        description = "A label for the token. Default: cli-<UTC date and time>.")
    String name;

    @Option(
        names = "--auto-approve",
        description = "Agents enrolled with this token are active at once (no approval).")
    boolean autoApprove;

    @Option(
        names = "--expires-in",
        paramLabel = "DURATION",
        converter = Durations.class,
        description =
            "Stop accepting the token after this long, e.g. 30m, 24h, 7d. Default: never.")
    Duration expiresIn;

    @Option(
        names = "--max-uses",
        paramLabel = "N",
        description = "Accept at most N registrations. Default: unlimited.")
    Integer maxUses;

    Create(CliContext context) {
      super(context);
    }

    @Override
    void checkOptions() {
      if (maxUses != null && maxUses < 1) {
        throw new UserError("--max-uses must be at least 1, got " + maxUses);
      }
    }

    @Override
    EnrolmentTokens.CreatedToken act(Admin admin) {
      Instant now = admin.clock().instant();
      String label = name != null ? name : "cli-" + Output.time(now).replace(' ', 'T');
      UUID orgId = admin.organisation(org);
      TokenRequest request;
      try {
        request =
            new TokenRequest(
                orgId,
                label,
                autoApprove,
                Optional.ofNullable(expiresIn).map(now::plus),
                Optional.ofNullable(maxUses));
      } catch (IllegalArgumentException e) {
        throw new UserError(e.getMessage());
      }
      return new EnrolmentTokens(admin.jdbi(), admin.clock()).create(request);
    }

    /**
     * The token alone on standard output, so scripts can capture it; the note on standard error.
     */
    @Override
    void print(EnrolmentTokens.CreatedToken created, PrintWriter out) {
      out.println(created.plainToken());
      out.flush();
      PrintWriter err = spec.commandLine().getErr();
      err.println(
          "Created token "
              + created.token().id()
              + " ("
              + created.token().name()
              + ", organisation "
              + created.token().orgName()
              + (autoApprove ? ", auto-approve" : ", needs approval")
              + "). It is not shown again.");
      err.flush();
    }
  }

  @Command(
      name = "list",
      description = "List enrolment tokens, newest first, with uses and state.",
      mixinStandardHelpOptions = true)
  static final class ListTokens extends AdminCommand<List<EnrolmentToken>> {

    @Option(
        names = "--org",
        paramLabel = "NAME",
        description = "Only this organisation's tokens. Default: all.")
    String org;

    ListTokens(CliContext context) {
      super(context);
    }

    @Override
    List<EnrolmentToken> act(Admin admin) {
      return new EnrolmentTokens(admin.jdbi(), admin.clock()).list(admin.organisationFilter(org));
    }

    @Override
    void print(List<EnrolmentToken> tokens, PrintWriter out) {
      Instant now = clock().instant();
      Output table =
          new Output(
              "ID", "ORG", "NAME", "TOKEN", "AUTO-APPROVE", "USES", "EXPIRES", "STATE", "CREATED");
      for (EnrolmentToken token : tokens) {
        table.row(
            token.id().toString(),
            token.orgName(),
            token.name(),
            token.hint(),
            token.autoApprove() ? "yes" : "no",
            token.useCount() + "/" + token.maxUses().map(String::valueOf).orElse("∞"),
            Output.time(token.expiresAt()),
            token.state(now).name().toLowerCase(Locale.ROOT),
            Output.time(token.createdAt()));
      }
      out.print(tokens.isEmpty() ? "No enrolment tokens.\n" : table.render());
    }
  }

  @Command(
      name = "revoke",
      description = "Revoke an enrolment token: no agent can register with it from now on.",
      mixinStandardHelpOptions = true)
  static final class Revoke extends AdminCommand<Revocation> {

    @Parameters(paramLabel = "ID", description = "The token's id (see ctops token list).")
    UUID id;

    Revoke(CliContext context) {
      super(context);
    }

    @Override
    Revocation act(Admin admin) {
      return new EnrolmentTokens(admin.jdbi(), admin.clock()).revoke(id);
    }

    @Override
    void print(Revocation outcome, PrintWriter out) {
      switch (outcome) {
        case Revocation.Revoked revoked ->
            out.println("Revoked token " + id + " (" + revoked.token().name() + ").");
        case Revocation.AlreadyRevoked already ->
            out.println(
                "Token "
                    + id
                    + " was already revoked at "
                    + Output.time(already.token().revokedAt())
                    + ".");
        case Revocation.NotFound notFound ->
            throw new UserError("no enrolment token with id " + notFound.id());
      }
    }
  }
}
