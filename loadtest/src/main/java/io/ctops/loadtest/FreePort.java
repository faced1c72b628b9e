package io.ctops.loadtest;

import java.io.IOException;
import java.net.ServerSocket;

/** Prints a TCP port that is free on this machine right now (for scripts). */
public final class FreePort {
  private FreePort() {}

  public static void main(String[] args) throws IOException {
    try (ServerSocket socket = new ServerSocket(0)) {
      System.out.println(socket.getLocalPort());
    }
  }
}
