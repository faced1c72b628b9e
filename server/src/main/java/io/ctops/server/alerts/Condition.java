package io.ctops.server.alerts;

import java.util.Map;

/**
 * The SQL of a rule's condition over one host: {@code test} a boolean expression and {@code value}
 * the number it reports (the CPU percentage, the minutes offline), over a host {@code h}, its
 * vitals {@code v} and its agent {@code a} (left joined: a host may have none); {@code :now} is the
 * evaluation's time. Values come in as named parameters, never spliced in.
 *
 * @param description the condition in words, e.g. "CPU ≥ 90 %"
 */
public record Condition(
    String test, String value, Map<String, Object> parameters, String description) {}
