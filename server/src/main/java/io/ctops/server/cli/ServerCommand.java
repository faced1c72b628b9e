package io.ctops.server.cli;

import io.ctops.server.platform.config.ServerSettings;
import io.ctops.server.roles.SingleServer;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;

/** {@code ctops server}: the single profile, every role in one process. */
@Command(
    name = "server",
    description =
        "Run the CT-Ops server (single profile) until interrupted (Ctrl-C or SIGTERM): ingest"
            + " (agents' gRPC/TLS on INGEST_GRPC_PORT; health, JWKS and metrics on"
            + " INGEST_HTTP_PORT) and the web app (WEB_HTTP_PORT, default 3000; the first visit"
            + " creates the administrator) on the embedded PostgreSQL in $CT_OPS_DATA_DIR/pg, or on"
            + " DATABASE_URL. Without INGEST_TLS_CERT/INGEST_TLS_KEY it uses a self-signed"
            + " certificate in $CT_OPS_DATA_DIR/tls/, which agents trust as their ca_cert_file."
            + " A bad setting stops startup with a message naming the variable.",
    mixinStandardHelpOptions = true)
final class ServerCommand implements Callable<Integer> {
  private final CliContext context;

  ServerCommand(CliContext context) {
    this.context = context;
  }

  @Override
  public Integer call() throws InterruptedException {
    ServerSettings settings = ServerSettings.from(context.environment());
    UntilStopped.run(SingleServer.start(settings, context.clock()));
    return 0;
  }
}
