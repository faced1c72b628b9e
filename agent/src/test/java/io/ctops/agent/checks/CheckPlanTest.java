package io.ctops.agent.checks;

import static io.ctops.agent.checks.CheckFixtures.aCheck;
import static org.assertj.core.api.Assertions.assertThat;

import io.ctops.protocol.checks.CheckConfig;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** How a definition from the server becomes a check to run, or an error to report. */
class CheckPlanTest {
  @ParameterizedTest(name = "{0}: {2}")
  @CsvSource(
      delimiter = '|',
      textBlock =
          """
          port    | {"port": 70000}                         | 60 | port is between 1 and 65535
          port    | {"host": "db", "port": 5432             | 60 | config_json is not valid JSON: expected '}' at offset 27
          port    | [5432]                                  | 60 | config_json is not a JSON object
          port    | {"port": 5432}                          | 5  | the interval is between 10 seconds and 24 hours (86400 seconds)
          port    | {"port": 5432, "timeout_seconds": 30}   | 20 | timeout_seconds cannot be longer than the interval
          http    | {"url": "ftp://files.example"}          | 60 | url is an http:// or https:// address with a host
          process | {}                                      | 60 | a process check needs process_name
          service | {"unit": "nginx; reboot"}               | 60 | unit is a systemd unit name (letters, digits and : _ . @ \\ -), e.g. nginx.service
          ''      | {}                                      | 60 | a check needs a type: one of port, process, http, certificate, cert_file, service, file, service_account, ssh_key_scan
          """)
  void refusesAnInvalidDefinitionWithTheReasonTheServerWouldGive(
      String type, String json, int interval, String reason) {
    CheckPlan plan = CheckPlan.of(aCheck("c-1", type, json, interval));

    assertThat(plan).isEqualTo(new CheckPlan.Refused(reason, plan.interval()));
  }

  @Test
  void anUnknownTypeIsNotSupportedByThisAgentVersion() {
    CheckPlan plan = CheckPlan.of(aCheck("c-1", "dns", "{\"name\": \"example.com\"}", 300));

    assertThat(plan).isInstanceOf(CheckPlan.Refused.class);
    assertThat(((CheckPlan.Refused) plan).reason())
        .isEqualTo("not supported by this agent version: check type \"dns\"");
    assertThat(plan.interval()).isEqualTo(Duration.ofSeconds(300));
  }

  @Test
  void anInvalidDefinitionIsReportedAtItsIntervalOrEveryMinuteWhenThatIsUnusable() {
    assertThat(CheckPlan.of(aCheck("c-1", "port", "{}", 120)).interval())
        .isEqualTo(Duration.ofSeconds(120));
    assertThat(CheckPlan.of(aCheck("c-1", "port", "{\"port\": 22}", 0)).interval())
        .isEqualTo(Duration.ofSeconds(60));
    assertThat(CheckPlan.of(aCheck("c-1", "port", "{\"port\": 22}", 100_000)).interval())
        .isEqualTo(Duration.ofSeconds(60));
  }

  @Test
  void readsNumbersHoweverTheServerWritesThem() {
    CheckPlan plan =
        CheckPlan.of(
            aCheck(
                "c-1",
                "port",
                "{\"host\": \"db.internal\", \"port\": 5432.0, \"timeout_seconds\": \"5\"}",
                30));
    CheckPlan exponent = CheckPlan.of(aCheck("c-2", "port", "{\"port\": 8e1}", 30));

    assertThat(plan)
        .isEqualTo(
            new CheckPlan.Runs(
                new CheckConfig.Port("db.internal", 5432, Duration.ofSeconds(5)),
                Duration.ofSeconds(30)));
    assertThat(((CheckPlan.Runs) exponent).config())
        .isEqualTo(new CheckConfig.Port("127.0.0.1", 80, Duration.ofSeconds(10)));
  }

  @Test
  void ignoresKeysANewerServerAddsAndReadsAnEmptyConfigAsNoKeys() {
    CheckPlan plan =
        CheckPlan.of(aCheck("c-1", "file", "{\"path\": \"/etc/hosts\", \"owner\": \"root\"}"));
    CheckPlan empty = CheckPlan.of(aCheck("c-2", "process", ""));

    assertThat(plan).isInstanceOf(CheckPlan.Runs.class);
    assertThat(empty)
        .isEqualTo(
            new CheckPlan.Refused("a process check needs process_name", Duration.ofSeconds(60)));
  }
}
