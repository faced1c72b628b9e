package io.ctops.server.queries;

import java.util.Arrays;
import java.util.Optional;

/** The questions agents answer, by their {@code query_type} on the wire. */
public enum QueryType {
  SERVICES("list_services"),
  PORTS("list_ports");

  private final String wireName;

  QueryType(String wireName) {
    this.wireName = wireName;
  }

  public String wireName() {
    return wireName;
  }

  public static Optional<QueryType> fromWire(String name) {
    return Arrays.stream(values()).filter(t -> t.wireName.equals(name)).findFirst();
  }
}
