package io.ctops.server.platform.lifecycle;

import java.util.ArrayDeque;
import java.util.Deque;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What a role has started, closed in the reverse order of starting: the last thing started (say the
 * server that takes calls) stops first, the first (the database) last. A part that fails to close
 * is logged and the rest still close.
 */
public final class Parts implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(Parts.class);
  private final Deque<AutoCloseable> started = new ArrayDeque<>();

  /** Records a started part and returns it. */
  public <T extends AutoCloseable> T add(T part) {
    started.push(part);
    return part;
  }

  @Override
  public void close() {
    while (!started.isEmpty()) {
      AutoCloseable part = started.pop();
      try {
        part.close();
      } catch (Exception e) {
        log.warn(
            "event=close_failed part={} error={}", part.getClass().getSimpleName(), e.toString());
      }
    }
  }
}
