package io.ctops.agent.systemd;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import io.ctops.protocol.v1.ServiceInfo;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** Parsing systemctl's listings as captured on a Debian 12 host (systemd 252). */
class ServiceListingTest {
  private final Map<String, ServiceInfo> services =
      ServiceListing.of(capture("list-units.txt"), capture("list-unit-files.txt"))
          .withMainPids(capture("show.txt"))
          .services()
          .stream()
          .collect(Collectors.toMap(ServiceInfo::getName, Function.identity()));

  @Test
  void aRunningServiceHasItsStatesDescriptionUnitFileStateAndMainPid() {
    assertThat(services.get("nginx.service"))
        .isEqualTo(
            ServiceInfo.newBuilder()
                .setName("nginx.service")
                .setLoadState("loaded")
                .setActiveSub("active/running")
                .setUnitFileState("enabled")
                .setDescription("A high performance web server and a reverse proxy server")
                .setMainPid(20213)
                .build());
    assertThat(services.get("ssh.service").getMainPid()).isEqualTo(603);
    assertThat(services.get("cron.service").getDescription())
        .isEqualTo("Regular background program processing daemon");
  }

  @Test
  void failedEnabledButInactiveAndOneShotServicesKeepTheirStatesAndHaveNoMainPid() {
    ServiceInfo failed = services.get("postgresql@15-main.service");
    assertThat(failed.getActiveSub()).isEqualTo("failed/failed");
    assertThat(failed.getMainPid()).isZero();
    ServiceInfo rsync = services.get("rsync.service");
    assertThat(rsync.getActiveSub()).isEqualTo("inactive/dead");
    assertThat(rsync.getUnitFileState()).isEqualTo("enabled");
    assertThat(services.get("networking.service").getActiveSub()).isEqualTo("active/exited");
  }

  @Test
  void anInstanceTakesItsTemplatesUnitFileState() {
    assertThat(services.get("getty@tty1.service").getUnitFileState()).isEqualTo("enabled");
    assertThat(services.get("getty@tty1.service").getMainPid()).isEqualTo(601);
    assertThat(services.get("postgresql@15-main.service").getUnitFileState()).isEqualTo("indirect");
  }

  @Test
  void unitsOnlyInstalledAppearMaskedOnesAsMaskedAndTemplatesAndAliasesDoNot() {
    assertThat(services.get("nftables.service"))
        .isEqualTo(
            ServiceInfo.newBuilder()
                .setName("nftables.service")
                .setLoadState("loaded")
                .setActiveSub("inactive/dead")
                .setUnitFileState("disabled")
                .build());
    assertThat(services.get("unattended-upgrades.service").getUnitFileState()).isEqualTo("enabled");
    assertThat(services.get("hwclock.service").getLoadState()).isEqualTo("masked");
    assertThat(services.get("rpcbind.service").getLoadState()).isEqualTo("masked");
    assertThat(services.get("rpcbind.service").getUnitFileState()).isEqualTo("masked");
    assertThat(services)
        .doesNotContainKeys("getty@.service", "sshd.service", "syslog.service", "autovt@.service");
  }

  @Test
  void aUnitWithoutAFileHasNoUnitFileState() {
    assertThat(services.get("auditd.service").getLoadState()).isEqualTo("not-found");
    assertThat(services.get("auditd.service").getUnitFileState()).isEmpty();
  }

  @Test
  void listsEveryLoadedAndInstalledServiceOnceInNameOrder() {
    List<String> names =
        ServiceListing.of(capture("list-units.txt"), capture("list-unit-files.txt"))
            .services()
            .stream()
            .map(ServiceInfo::getName)
            .toList();
    assertThat(names).isSorted().doesNotHaveDuplicates().hasSize(30 + 8);
  }

  @Test
  void aJobColumnWhileAUnitHasAJobDoesNotBecomePartOfTheDescriptions() {
    String table =
        """
        cron.service  loaded active     running         Regular background program processing daemon
        nginx.service loaded activating start-pre start A high performance web server
        """;

    List<ServiceInfo> listed = ServiceListing.of(table, "").services();

    assertThat(listed)
        .extracting(ServiceInfo::getDescription)
        .containsExactly(
            "Regular background program processing daemon", "A high performance web server");
    assertThat(listed.get(1).getActiveSub()).isEqualTo("activating/start-pre");
  }

  @Test
  void theStatusGlyphsOfAnOutputWithoutPlainAreSkipped() {
    String table =
        """
          cron.service               loaded active running Regular background program processing daemon
        ● postgresql@15-main.service loaded failed failed  PostgreSQL Cluster 15-main
        """;

    assertThat(ServiceListing.of(table, "").services())
        .extracting(ServiceInfo::getName, ServiceInfo::getActiveSub, ServiceInfo::getDescription)
        .containsExactly(
            tuple("cron.service", "active/running", "Regular background program processing daemon"),
            tuple("postgresql@15-main.service", "failed/failed", "PostgreSQL Cluster 15-main"));
  }

  static String capture(String name) {
    try (InputStream in =
        ServiceListingTest.class.getResourceAsStream("/debian12-systemd/captures/" + name)) {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }
}
