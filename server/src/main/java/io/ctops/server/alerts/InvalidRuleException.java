package io.ctops.server.alerts;

/** What is wrong with a rule (or its parameters), in words for the operator: a 400. */
public final class InvalidRuleException extends IllegalArgumentException {
  public InvalidRuleException(String message) {
    super(message);
  }
}
