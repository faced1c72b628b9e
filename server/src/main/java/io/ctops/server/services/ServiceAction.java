package io.ctops.server.services;

import java.util.Arrays;
import java.util.Optional;

/** What an operator may ask of a unit, by the name agents know. */
public enum ServiceAction {
  START("start", "Start"),
  STOP("stop", "Stop"),
  RESTART("restart", "Restart"),
  STATUS("status", "Status");

  private final String wireName;
  private final String label;

  ServiceAction(String wireName, String label) {
    this.wireName = wireName;
    this.label = label;
  }

  public String wireName() {
    return wireName;
  }

  public String label() {
    return label;
  }

  public static Optional<ServiceAction> of(String name) {
    return Arrays.stream(values()).filter(a -> a.wireName.equals(name)).findFirst();
  }

  public static String names() {
    return "start, stop, restart or status";
  }
}
