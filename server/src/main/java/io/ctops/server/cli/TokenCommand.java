package io.ctops.server.cli;

import io.ctops.server.enrolment.EnrolmentTokens;
import io.ctops.server.enrolment.EnrolmentTokens.EnrolmentToken;
import io.ctops.server.enrolment.EnrolmentTokens.Revocation;
import io.ctops.server.enrolment.EnrolmentTokens.TokenRequest;
import io.ctops.server.orgs.Organisations;
import java.io.PrintWriter;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

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
  static final class Create implements Callable<Integer> {
    private final CliContext context;
    @Spec CommandSpec spec;

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
      this.context = context;
    }

    @Override
    public Integer call() {
      if (maxUses != null && maxUses < 1) {
        throw new UserError("--max-uses must be at least 1, got " + maxUses);
      }
      Instant now = context.clock().instant();
      String label = name != null ? name : "cli-" + Output.time(now).replace(' ', 'T');
      EnrolmentTokens.CreatedToken created =
          context.withDatabase(
              "token create",
              database -> {
                UUID orgId =
                    new Organisations(database.jdbi()).resolve(Optional.ofNullable(org)).id();
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
                return new EnrolmentTokens(database.jdbi(), context.clock()).create(request);
              });
      PrintWriter out = spec.commandLine().getOut();
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
      return 0;
    }
  }

  @Command(
      name = "list",
      description = "List enrolment tokens, newest first, with uses and state.",
      mixinStandardHelpOptions = true)
  static final class ListTokens implements Callable<Integer> {
    private final CliContext context;
    @Spec CommandSpec spec;

    @Option(
        names = "--org",
        paramLabel = "NAME",
        description = "Only this organisation's tokens. Default: all.")
    String org;

    ListTokens(CliContext context) {
      this.context = context;
    }

    @Override
    public Integer call() {
      java.util.List<EnrolmentToken> tokens =
          context.withDatabase(
              "token list",
              database -> {
                Optional<UUID> orgId =
                    Optional.ofNullable(org)
                        .map(
                            name ->
                                new Organisations(database.jdbi()).resolve(Optional.of(name)).id());
                return new EnrolmentTokens(database.jdbi(), context.clock()).list(orgId);
              });
      Instant now = context.clock().instant();
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
            token.state(now).name().toLowerCase(java.util.Locale.ROOT),
            Output.time(token.createdAt()));
      }
      spec.commandLine()
          .getOut()
          .print(tokens.isEmpty() ? "No enrolment tokens.\n" : table.render());
      spec.commandLine().getOut().flush();
      return 0;
    }
  }

  @Command(
      name = "revoke",
      description = "Revoke an enrolment token: no agent can register with it from now on.",
      mixinStandardHelpOptions = true)
  static final class Revoke implements Callable<Integer> {
    private final CliContext context;
    @Spec CommandSpec spec;

    @Parameters(paramLabel = "ID", description = "The token's id (see ctops token list).")
    UUID id;

    Revoke(CliContext context) {
      this.context = context;
    }

    @Override
    public Integer call() {
      Revocation outcome =
          context.withDatabase(
              "token revoke",
              database -> new EnrolmentTokens(database.jdbi(), context.clock()).revoke(id));
      PrintWriter out = spec.commandLine().getOut();
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
      out.flush();
      return 0;
    }
  }
}
