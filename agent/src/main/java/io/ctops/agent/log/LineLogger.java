package io.ctops.agent.log;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.OffsetDateTime;
import java.time.format.DateTimeFormatter;
import org.slf4j.Marker;
import org.slf4j.event.Level;
import org.slf4j.helpers.LegacyAbstractLogger;
import org.slf4j.helpers.MessageFormatter;

/** One logger of {@link LineLogging}: formats the event and writes it as one line. */
final class LineLogger extends LegacyAbstractLogger {
  private static final long serialVersionUID = 1L;
  private static final DateTimeFormatter TIME =
      DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSSXXX");

  /** Libraries that only speak up for problems. */
  private final boolean quiet;

  LineLogger(String name) {
    this.name = name;
    this.quiet = name.startsWith("oshi") || name.startsWith("io.grpc");
  }

  private boolean enabled(Level level) {
    Level floor =
        quiet && LineLogging.threshold().toInt() < Level.WARN.toInt()
            ? Level.WARN
            : LineLogging.threshold();
    return level.toInt() >= floor.toInt();
  }

  @Override
  public boolean isTraceEnabled() {
    return enabled(Level.TRACE);
  }

  @Override
  public boolean isDebugEnabled() {
    return enabled(Level.DEBUG);
  }

  @Override
  public boolean isInfoEnabled() {
    return enabled(Level.INFO);
  }

  @Override
  public boolean isWarnEnabled() {
    return enabled(Level.WARN);
  }

  @Override
  public boolean isErrorEnabled() {
    return enabled(Level.ERROR);
  }

  @Override
  protected String getFullyQualifiedCallerName() {
    return null;
  }

  @Override
  protected void handleNormalizedLoggingCall(
      Level level, Marker marker, String pattern, Object[] arguments, Throwable throwable) {
    StringBuilder line =
        new StringBuilder(160)
            .append("time=")
            .append(TIME.format(OffsetDateTime.now()))
            .append(" level=")
            .append(level)
            .append(' ')
            .append(MessageFormatter.basicArrayFormat(pattern, arguments));
    if (throwable != null) {
      StringWriter trace = new StringWriter();
      throwable.printStackTrace(new PrintWriter(trace));
      line.append('\n').append(trace.toString().stripTrailing());
    }
    LineLogging.out().println(line);
  }
}
