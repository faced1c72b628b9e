/**
 * Terminals: a shell on a pseudo-terminal for an operator, relayed over one {@code Terminal} gRPC
 * stream per session. The server announces a session on the heartbeat stream; {@link
 * io.ctops.agent.terminal.Terminals} decides whether and as whom a shell may run ({@code
 * [terminal]} in agent.toml), starts it and keeps it through short stream outages so a re-announced
 * session re-attaches to the same shell.
 */
package io.ctops.agent.terminal;
