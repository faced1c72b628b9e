/**
 * The agent's side of the task channel: the server pushes one {@code AgentTask} at a time on the
 * heartbeat stream, the agent runs it on its own thread if its type is in {@link
 * io.ctops.agent.tasks.TaskTypes}, and answers with progress chunks and one result that ride on
 * heartbeat messages. A new kind of task is one {@link io.ctops.agent.tasks.TaskType} class plus
 * its test, registered in {@link io.ctops.agent.tasks.TaskTypes#standard()}.
 */
package io.ctops.agent.tasks;
