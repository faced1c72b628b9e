package io.ctops.server.alerts;

import java.util.Map;

/**
 * The SQL of a rule's condition over one host: {@code test} a boolean expression and {@code value}
 * the number it reports (the CPU percentage, the minutes offline), over a host's vitals {@code v}
 * and, when {@code readsHost}, the host {@code h} and its agent {@code a} (left joined: a host may
 * have none); {@code :now} is the evaluation's time. Values come in as named parameters, never
 * spliced in. A condition on vitals alone is answered from the vitals' indexes, without reading the
 * hosts.
 *
 * @param description the condition in words, e.g. "CPU ≥ 90 %"
 */
public record Condition(
    String test,
    String value,
    Map<String, Object> parameters,
    String description,
    boolean readsHost) {}
