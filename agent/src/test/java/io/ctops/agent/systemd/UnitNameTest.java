package io.ctops.agent.systemd;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class UnitNameTest {
  @ParameterizedTest
  @ValueSource(
      strings = {
        "nginx",
        "nginx.service",
        "getty@tty1.service",
        "postgresql@15-main.service",
        "dbus-org.freedesktop.resolve1.service",
        "systemd-fsck@dev-disk-by\\x2duuid-1234.service",
        "apt-daily.timer",
        "ssh.socket",
        "home.mount",
        "multi-user.target",
        "cups.path"
      })
  void acceptsSystemdUnitNames(String name) {
    assertThat(UnitName.problem(name)).isEmpty();
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "../x                | is not a systemd unit name",
        "/etc/passwd         | is not a systemd unit name",
        "-H host             | starts with '-'",
        "--now               | starts with '-'",
        "a b                 | is not a systemd unit name",
        "nginx;reboot        | is not a systemd unit name",
        "$(reboot)           | is not a systemd unit name",
        ".service            | is not a systemd unit name",
        "getty@              | is not a systemd unit name",
        "dev-sda.device      | is a .device unit",
        "user.slice          | is a .slice unit",
        "session-2.scope     | is a .scope unit"
      })
  void refusesAnythingElseSayingWhy(String name, String why) {
    assertThat(UnitName.problem(name)).get().asString().contains(why);
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "nginx\n", "nginx\0"})
  void refusesEmptyNamesAndControlCharacters(String name) {
    assertThat(UnitName.problem(name)).isPresent();
  }

  @ParameterizedTest
  @CsvSource({"nginx,nginx.service", "nginx.service,nginx.service", "ssh.socket,ssh.socket"})
  void aNameWithoutATypeIsAService(String name, String withType) {
    assertThat(UnitName.withType(name)).isEqualTo(withType);
  }

  @org.junit.jupiter.api.Test
  void refusesNamesLongerThan256Characters() {
    assertThat(UnitName.problem("a".repeat(248) + ".service")).isEmpty();
    assertThat(UnitName.problem("a".repeat(249) + ".service")).get().asString().contains("longer");
  }
}
