package io.ctops.server.cli;

import java.util.concurrent.CountDownLatch;

/** Keeps a long-running command alive until SIGINT/SIGTERM, then closes what it runs cleanly. */
final class UntilStopped {
  private UntilStopped() {}

  static void run(AutoCloseable running) throws InterruptedException {
    CountDownLatch stopped = new CountDownLatch(1);
    // The JVM runs shutdown hooks on SIGINT/SIGTERM; closing here stops the database cleanly
    // before the process exits.
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  try {
                    running.close();
                  } catch (Exception e) {
                    System.err.println("ctops: error while stopping: " + e);
                  } finally {
                    stopped.countDown();
                  }
                },
                "shutdown"));
    stopped.await();
  }
}
