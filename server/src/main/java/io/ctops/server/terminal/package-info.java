/**
 * Terminal sessions: a user's shell on a host through its agent. The web instance holding the
 * browser creates a session ({@link io.ctops.server.terminal.TerminalSessions}); the ingest
 * instance holding the agent's heartbeat stream claims it and announces it to the agent ({@link
 * io.ctops.server.terminal.TerminalClaims}); the agent's {@code Terminal} stream and the web
 * instance's relay stream meet in that instance's {@link io.ctops.server.terminal.TerminalHub}.
 */
package io.ctops.server.terminal;
