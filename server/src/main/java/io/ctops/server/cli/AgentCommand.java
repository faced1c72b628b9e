package io.ctops.server.cli;

import io.ctops.server.enrolment.AgentApprovals;
import io.ctops.server.enrolment.AgentApprovals.AgentRow;
import io.ctops.server.enrolment.AgentApprovals.Approval;
import io.ctops.server.enrolment.AgentApprovals.Revocation;
import io.ctops.server.inventory.SoftwareScans;
import java.io.PrintWriter;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code ctops agent ...}: the administrator's view of enrolled agents; the host-side verbs (run,
 * install, uninstall) are in {@link AgentHostCommands}.
 */
@Command(
    name = "agent",
    description = "Run the agent on this host; list, approve and revoke enrolled agents.",
    mixinStandardHelpOptions = true)
final class AgentCommand {

  private static final Set<String> STATUSES = Set.of("pending", "active", "offline", "revoked");

  @Command(
      name = "list",
      description = "List enrolled agents, newest first.",
      mixinStandardHelpOptions = true)
  static final class ListAgents extends AdminCommand<List<AgentRow>> {

    @Option(names = "--org", paramLabel = "NAME", description = "Only this organisation's agents.")
    String org;

    @Option(
        names = "--status",
        paramLabel = "STATUS",
        description = "Only agents in this status: pending, active, offline or revoked.")
    String status;

    ListAgents(CliContext context) {
      super(context);
    }

    private Optional<String> wantedStatus() {
      return Optional.ofNullable(status).map(s -> s.toLowerCase(Locale.ROOT));
    }

    @Override
    void checkOptions() {
      if (wantedStatus().isPresent() && !STATUSES.contains(wantedStatus().get())) {
        throw new UserError(
            "--status must be one of pending, active, offline, revoked; got '" + status + "'");
      }
    }

    @Override
    List<AgentRow> act(Admin admin) {
      return new AgentApprovals(admin.jdbi(), admin.clock())
          .list(admin.organisationFilter(org), wantedStatus());
    }

    @Override
    void print(List<AgentRow> agents, PrintWriter out) {
      Output table =
          new Output("ID", "ORG", "HOSTNAME", "STATUS", "VERSION", "ENROLLED", "APPROVED");
      for (AgentRow agent : agents) {
        table.row(
            agent.id().toString(),
            agent.orgName(),
            agent.hostname().orElse("-"),
            agent.status(),
            agent.version().orElse("-"),
            Output.time(agent.createdAt()),
            Output.time(agent.approvedAt()));
      }
      out.print(agents.isEmpty() ? "No agents.\n" : table.render());
    }
  }

  @Command(
      name = "approve",
      description =
          "Approve a pending agent: it receives its credentials on its next registration poll. The duplicate-host check runs again first; a conflict is reported and nothing changes.",
      mixinStandardHelpOptions = true)
  static final class Approve extends AdminCommand<Approval> {

    @Parameters(paramLabel = "ID", description = "The agent's id (see ctops agent list).")
    UUID id;

    Approve(CliContext context) {
      super(context);
    }

    @Override
    Approval act(Admin admin) {
      SoftwareScans scans = new SoftwareScans(admin.jdbi(), admin.clock());
      return new AgentApprovals(admin.jdbi(), admin.clock(), scans::queueFirst)
          .approve(id, "approved with ctops agent approve");
    }

    @Override
    void print(Approval outcome, PrintWriter out) {
      switch (outcome) {
        case Approval.Approved approved ->
            out.println(
                "Approved agent "
                    + id
                    + approved.agent().hostname().map(h -> " (" + h + ")").orElse("")
                    + ".");
        case Approval.AlreadyActive already ->
            out.println("Agent " + id + " is already approved (" + already.agent().status() + ").");
        case Approval.Refused refused -> throw new UserError("cannot approve: " + refused.reason());
        case Approval.NotFound notFound -> throw new UserError("no agent with id " + notFound.id());
      }
    }
  }

  @Command(
      name = "revoke",
      description = "Revoke an agent: its credentials stop working and its host shows as revoked.",
      mixinStandardHelpOptions = true)
  static final class Revoke extends AdminCommand<Revocation> {

    @Parameters(paramLabel = "ID", description = "The agent's id (see ctops agent list).")
    UUID id;

    Revoke(CliContext context) {
      super(context);
    }

    @Override
    Revocation act(Admin admin) {
      return new AgentApprovals(admin.jdbi(), admin.clock())
          .revoke(id, "revoked with ctops agent revoke");
    }

    @Override
    void print(Revocation outcome, PrintWriter out) {
      switch (outcome) {
        case Revocation.Revoked revoked -> out.println("Revoked agent " + id + ".");
        case Revocation.AlreadyRevoked already ->
            out.println("Agent " + id + " was already revoked.");
        case Revocation.NotFound notFound ->
            throw new UserError("no agent with id " + notFound.id());
      }
    }
  }
}
