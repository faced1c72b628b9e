package io.ctops.agent.checks;

import io.ctops.protocol.checks.CheckConfig.Port;
import java.io.IOException;
import java.net.Socket;

/** A TCP connection to {@code host:port} succeeds within the timeout. */
final class PortProbe {
  Outcome run(Port check) {
    String address = Connections.address(check.host(), check.port());
    long start = System.nanoTime();
    try {
      Socket connected = Connections.open(check.host(), check.port(), check.timeout());
      long millis = (System.nanoTime() - start) / 1_000_000;
      connected.close();
      return Outcome.pass("connected to " + address + " in " + millis + " ms");
    } catch (IOException e) {
      return Outcome.fail(Connections.failure(e, check.host(), check.timeout()));
    }
  }
}
