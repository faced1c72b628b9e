/**
 * Alerts: rules (a kind, its parameters, a host selector, a severity, channels), the evaluator that
 * opens, fires and resolves an alert instance per rule and host, acknowledgement, and what the
 * pages and the API show of them. Delivery of the notices the evaluator writes is in {@code
 * notify/}.
 */
package io.ctops.server.alerts;
