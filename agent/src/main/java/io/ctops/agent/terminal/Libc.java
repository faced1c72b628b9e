package io.ctops.agent.terminal;

import com.sun.jna.Library;
import com.sun.jna.Native;

/**
 * The two C library calls Java has no word for: the agent's real user id, and a signal to a whole
 * process group (a shell and what it started), which {@link Process#destroy()} cannot send.
 */
interface Libc extends Library {
  Libc C = Native.load("c", Libc.class);

  int SIGHUP = 1;
  int SIGKILL = 9;

  int getuid();

  /** {@code pid} negative: every process of group {@code -pid}. */
  int kill(int pid, int signal);
}
