/**
 * The operator → agent channel: the task table, the registry of task types, dispatch on heartbeat
 * answers, progress and results, cancellation and timeouts, and the tasks JSON API. A new kind of
 * agent work is one {@link io.ctops.server.tasks.TaskType} class plus its agent side.
 */
package io.ctops.server.tasks;
