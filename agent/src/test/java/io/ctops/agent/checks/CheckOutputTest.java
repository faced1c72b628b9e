package io.ctops.agent.checks;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** How much of a check's output goes to the server, by the check's type. */
class CheckOutputTest {
  @Test
  void accountAndKeyReportsKeepAQuarterMebibyteAndEveryOtherTypeFourKib() {
    String long300k = "é".repeat(150_000);

    assertThat(bytes(CheckOutput.fit(long300k, "service_account"))).isBetween(262_140, 262_144);
    assertThat(bytes(CheckOutput.fit(long300k, "ssh_key_scan"))).isBetween(262_140, 262_144);
    assertThat(CheckOutput.fit(long300k, "ssh_key_scan")).endsWith("é…");
    assertThat(bytes(CheckOutput.fit(long300k, "http"))).isBetween(4092, 4096);
    assertThat(bytes(CheckOutput.fit(long300k, "port"))).isBetween(4092, 4096);
  }

  @Test
  void aReportWithinItsBoundGoesWholeWithoutNul() {
    String report = "{\"accounts\":[" + "{\"username\":\"u\"},".repeat(5_000) + "{}]}";

    assertThat(CheckOutput.fit(report, "service_account")).isEqualTo(report);
    assertThat(CheckOutput.fit("a\0b", "service_account")).isEqualTo("a\uFFFDb");
  }

  private static int bytes(String text) {
    return text.getBytes(StandardCharsets.UTF_8).length;
  }
}
