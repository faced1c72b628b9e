package io.ctops.server.cli;

import io.ctops.server.orgs.Organisations.UnknownOrganisationException;
import io.ctops.server.platform.config.ConfigException;
import io.ctops.server.platform.database.Database.DataDirectoryInUseException;
import java.io.PrintWriter;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.IExecutionExceptionHandler;
import picocli.CommandLine.IParameterExceptionHandler;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParseResult;
import picocli.CommandLine.Spec;

/** Builds the {@code ctops} command tree and decides how failures reach the user. */
public final class Cli {
  /**
   * The exit code of a usage error (unknown command or option, malformed value): sysexits' EX_USAGE
   * rather than picocli's usual 2, because 2 means "token rejected" for {@code ctops agent run} and
   * a script must be able to tell the two apart.
   */
  static final int USAGE_ERROR = 64;

  private Cli() {}

  @Command(
      name = "ctops",
      description = {
        "CT-Ops: self-hosted infrastructure monitoring and operations.",
        "",
        "Admin commands (token, agent list/approve/revoke, user, apikey) act on the server's",
        "database: DATABASE_URL when set, otherwise the embedded PostgreSQL in",
        "$CT_OPS_DATA_DIR (default ~/.ct-ops), whether or not the server runs.",
        "",
        "The first account (made on the web app's /setup page or by quickstart) is a super admin;",
        "`ctops user create --role super_admin` makes one on an installation that has none."
      },
      exitCodeListHeading = "%nExit codes:%n",
      exitCodeList = {
        " 0:done",
        " 1:could not do what was asked; the message says why",
        " 2:ctops agent run: the enrolment token was rejected",
        " 3:ctops agent run: the agent was revoked",
        "64:usage error: unknown command or option, or a malformed value",
        "70:unexpected error (a bug): the stack trace is printed"
      },
      mixinStandardHelpOptions = true,
      versionProvider = Version.class,
      synopsisSubcommandLabel = "COMMAND")
  static final class Root implements Runnable {
    @Spec CommandSpec spec;

    @Override
    public void run() {
      spec.commandLine().usage(spec.commandLine().getOut());
    }
  }

  public static CommandLine build(CliContext context) {
    CommandLine root = new CommandLine(new Root());
    root.addSubcommand("quickstart", new QuickstartCommand(context));
    root.addSubcommand("server", new ServerCommand(context));
    root.addSubcommand("ingest", new IngestCommand(context));
    root.addSubcommand("web", new WebCommand(context));
    root.addSubcommand("dev-tls", new DevTlsCommand());
    CommandLine token = new CommandLine(new TokenCommand());
    token.addSubcommand("create", new TokenCommand.Create(context));
    token.addSubcommand("list", new TokenCommand.ListTokens(context));
    token.addSubcommand("revoke", new TokenCommand.Revoke(context));
    root.addSubcommand("token", token);
    CommandLine agent = new CommandLine(new AgentCommand());
    agent.addSubcommand("run", new AgentHostCommands.Run(context));
    agent.addSubcommand("install", new AgentHostCommands.Install(context));
    agent.addSubcommand("uninstall", new AgentHostCommands.Uninstall(context));
    agent.addSubcommand("list", new AgentCommand.ListAgents(context));
    agent.addSubcommand("approve", new AgentCommand.Approve(context));
    agent.addSubcommand("revoke", new AgentCommand.Revoke(context));
    root.addSubcommand("agent", agent);
    CommandLine user = new CommandLine(new UserCommand());
    user.addSubcommand("create", new UserCommand.Create(context));
    user.addSubcommand("set-role", new UserCommand.SetRole(context));
    user.addSubcommand("list", new UserCommand.ListUsers(context));
    user.addSubcommand("reset-password", new UserCommand.ResetPassword(context));
    root.addSubcommand("user", user);
    CommandLine apikey = new CommandLine(new ApiKeyCommand());
    apikey.addSubcommand("create", new ApiKeyCommand.Create(context));
    root.addSubcommand("apikey", apikey);
    CommandPlugin.addAll(root, context);
    root.setExecutionExceptionHandler(new Failures());
    IParameterExceptionHandler usage = root.getParameterExceptionHandler();
    root.setParameterExceptionHandler(
        (error, args) -> {
          usage.handleParseException(error, args);
          return USAGE_ERROR;
        });
    root.setUsageHelpWidth(100);
    return root;
  }

  /**
   * Expected failures print one line and exit 1; a bug prints its stack trace and exits 70. (Usage
   * errors never get here: picocli reports them before a command runs.)
   */
  private static final class Failures implements IExecutionExceptionHandler {
    @Override
    public int handleExecutionException(
        Exception exception, CommandLine commandLine, ParseResult parseResult) {
      PrintWriter err = commandLine.getErr();
      if (exception instanceof ConfigException
          || exception instanceof UserError
          || exception instanceof UnknownOrganisationException
          || exception instanceof DataDirectoryInUseException) {
        err.println("ctops: " + exception.getMessage());
        err.flush();
        return 1;
      }
      if (exception instanceof IllegalStateException && exception.getCause() == null) {
        err.println("ctops: " + exception.getMessage());
        err.flush();
        return 1;
      }
      err.println("ctops: unexpected error: " + exception);
      exception.printStackTrace(err);
      err.flush();
      return 70;
    }
  }
}
