package io.ctops.agent.log;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.event.Level;

class LineLoggerTest {
  private final ByteArrayOutputStream lines = new ByteArrayOutputStream();

  @AfterEach
  void restore() {
    LineLogging.redirect(System.out);
    LineLogging.install("INFO");
  }

  @Test
  void writesOneStructuredLinePerEventAboveTheThreshold() {
    LineLogging.redirect(new PrintStream(lines, true, StandardCharsets.UTF_8));
    LineLogging.install("info");
    Logger agent = new LineLogging().getLoggerFactory().getLogger("agent");
    Logger grpc = new LineLogging().getLoggerFactory().getLogger("io.grpc.internal.Something");

    agent.info("event=connected host={} port={}", "ingest", 9443);
    agent.debug("event=hidden");
    grpc.info("hidden too");
    grpc.warn("shown");
    agent.error("event=failed", new IllegalStateException("boom"));

    String[] written = lines.toString(StandardCharsets.UTF_8).split("\n");
    assertThat(written[0])
        .matches(
            "time=\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}(Z|[+-]\\d\\d:\\d\\d)"
                + " level=INFO event=connected host=ingest port=9443");
    assertThat(written[1]).endsWith(" level=WARN shown");
    assertThat(written[2]).endsWith(" level=ERROR event=failed");
    assertThat(written[3]).isEqualTo("java.lang.IllegalStateException: boom");
    assertThat(lines.toString(StandardCharsets.UTF_8)).doesNotContain("hidden");

    lines.reset();
    LineLogging.install("DEBUG");
    agent.debug("event=now_shown");
    grpc.info("still hidden");
    assertThat(lines.toString(StandardCharsets.UTF_8)).contains("level=DEBUG event=now_shown");
    assertThat(lines.toString(StandardCharsets.UTF_8)).doesNotContain("still hidden");
  }

  @Test
  void anUnknownLevelIsRefusedAndChangesNothing() {
    LineLogging.install("WARN");
    assertThatThrownBy(() -> LineLogging.install("loud"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("--log-level must be ERROR, WARN, INFO or DEBUG, not 'loud'");
    assertThat(LineLogging.threshold()).isEqualTo(Level.WARN);
  }
}
