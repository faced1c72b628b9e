package io.ctops.server.cli;

import io.ctops.server.enrolment.AgentDownloads;
import io.ctops.server.platform.config.ServerSettings;
import io.ctops.server.platform.database.Database;
import io.ctops.server.platform.lifecycle.Parts;
import io.ctops.server.roles.WebRole;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;

/** {@code ctops web}: the web app alone, next to ingest instances on a shared database. */
@Command(
    name = "web",
    description =
        "Run the web app alone (pages, JSON API, live status) on WEB_HTTP_PORT (3000) until"
            + " interrupted. Needs DATABASE_URL; optional WEB_TLS_CERT and WEB_TLS_KEY serve"
            + " HTTPS. It reads and writes PostgreSQL and never calls ingest.",
    mixinStandardHelpOptions = true)
final class WebCommand implements Callable<Integer> {
  private final CliContext context;

  WebCommand(CliContext context) {
    this.context = context;
  }

  @Override
  public Integer call() throws InterruptedException {
    ServerSettings settings = ServerSettings.forWebOnly(context.environment());
    Parts parts = new Parts();
    try {
      Database database =
          parts.add(Database.open(settings.database(), Database.Access.EXCLUSIVE, "web"));
      AgentDownloads downloads =
          new AgentDownloads(
              settings.web().agentBundle(),
              settings.ingest().tls().map(tls -> tls.certificate()),
              settings.ingest().agentDownloadBaseUrl());
      parts.add(WebRole.start(settings.web(), database, context.clock(), downloads));
    } catch (RuntimeException e) {
      parts.close();
      throw e;
    }
    UntilStopped.run(parts);
    return 0;
  }
}
