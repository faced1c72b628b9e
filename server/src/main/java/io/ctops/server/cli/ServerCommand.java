package io.ctops.server.cli;

import io.ctops.server.SingleServer;
import io.ctops.server.platform.config.ServerSettings;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;

/** {@code ctops server}: the single profile, every role in one process. */
@Command(
    name = "server",
    description =
        "Run the CT-Ops server (single profile) until interrupted (Ctrl-C or SIGTERM). Uses the embedded PostgreSQL in $CT_OPS_DATA_DIR/pg unless DATABASE_URL is set, migrates it, and keeps the metric partitions. Settings come from the environment (see README): a bad value stops startup with a message naming the variable.",
    mixinStandardHelpOptions = true)
final class ServerCommand implements Callable<Integer> {
  private final CliContext context;

  ServerCommand(CliContext context) {
    this.context = context;
  }

  @Override
  public Integer call() throws InterruptedException {
    ServerSettings settings = ServerSettings.from(context.environment());
    CountDownLatch stopped = new CountDownLatch(1);
    SingleServer server = SingleServer.start(settings, context.clock());
    // The JVM runs shutdown hooks on SIGINT/SIGTERM; closing here stops PostgreSQL cleanly before
    // the process exits.
    Thread hook =
        new Thread(
            () -> {
              server.close();
              stopped.countDown();
            },
            "shutdown");
    Runtime.getRuntime().addShutdownHook(hook);
    stopped.await();
    return 0;
  }
}
