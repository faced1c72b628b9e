package io.ctops.agent.log;

import java.io.PrintStream;
import java.util.Locale;
import org.slf4j.ILoggerFactory;
import org.slf4j.IMarkerFactory;
import org.slf4j.event.Level;
import org.slf4j.helpers.BasicMarkerFactory;
import org.slf4j.helpers.NOPMDCAdapter;
import org.slf4j.spi.MDCAdapter;
import org.slf4j.spi.SLF4JServiceProvider;

/**
 * The agent's SLF4J backend: one structured line per event on standard output, {@code
 * time=<ISO-8601> level=<LEVEL> <message>}, for journald and log shippers. Chosen by {@link
 * #install} (the {@code slf4j.provider} property) in the agent's own process only; a logging
 * framework would cost every host more memory than the agent's whole logging needs.
 *
 * <p>The threshold comes from {@code --log-level}; {@code oshi} and {@code io.grpc} log at WARN and
 * above only, whatever the threshold.
 */
public final class LineLogging implements SLF4JServiceProvider {
  private static volatile Level threshold = Level.INFO;
  private static volatile PrintStream out = System.out;

  private final IMarkerFactory markers = new BasicMarkerFactory();
  private final MDCAdapter mdc = new NOPMDCAdapter();
  private final ILoggerFactory loggers = LineLogger::new;

  /**
   * Makes this the SLF4J backend of the process at the {@code --log-level} given; call before the
   * first logger is created. An unknown level is refused (IllegalArgumentException, a message for
   * the user) and changes nothing.
   */
  public static void install(String level) {
    try {
      threshold = Level.valueOf(level.toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(
          "--log-level must be ERROR, WARN, INFO or DEBUG, not '" + level + "'");
    }
    System.setProperty("slf4j.provider", LineLogging.class.getName());
    // SLF4J would otherwise announce on standard error that it uses the provider it was told to.
    System.setProperty("slf4j.internal.verbosity", "WARN");
  }

  static Level threshold() {
    return threshold;
  }

  static PrintStream out() {
    return out;
  }

  /** For tests: where the lines go. */
  static void redirect(PrintStream stream) {
    out = stream;
  }

  @Override
  public ILoggerFactory getLoggerFactory() {
    return loggers;
  }

  @Override
  public IMarkerFactory getMarkerFactory() {
    return markers;
  }

  @Override
  public MDCAdapter getMDCAdapter() {
    return mdc;
  }

  @Override
  public String getRequestedApiVersion() {
    return "2.0.99";
  }

  @Override
  public void initialize() {}
}
