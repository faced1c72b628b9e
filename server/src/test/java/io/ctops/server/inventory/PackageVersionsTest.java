package io.ctops.server.inventory;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class PackageVersionsTest {

  private static void ordered(String... versions) {
    for (int i = 0; i + 1 < versions.length; i++) {
      assertThat(PackageVersions.compare(versions[i], versions[i + 1]))
          .as("%s < %s", versions[i], versions[i + 1])
          .isNegative();
      assertThat(PackageVersions.compare(versions[i + 1], versions[i]))
          .as("%s > %s", versions[i + 1], versions[i])
          .isPositive();
    }
  }

  @Test
  void numbersCompareAsNumbersNotText() {
    ordered("1.2", "1.9", "1.10", "1.10.1", "2", "10");
    assertThat(PackageVersions.compare("1.010", "1.10")).isZero();
  }

  @Test
  void tildeSortsBeforeTheReleaseAndLettersBeforeOtherCharacters() {
    ordered("1.0~rc1", "1.0~rc2", "1.0", "1.0a", "1.0+b1", "1.0.1");
    ordered("3.0.11", "3.0.13", "3.0.15");
  }

  @Test
  void epochOutweighsUpstreamAndRevisionComesLast() {
    ordered("9.9-9", "1:0.1-1");
    ordered("2.36-9+deb12u3", "2.36-9+deb12u4", "2.36-10");
    ordered("1:3.0.11-1~deb12u2", "1:3.0.11-1", "1:3.0.15-1~deb12u1");
    assertThat(PackageVersions.compare("0:1.2-3", "1.2-3")).isZero();
  }

  @Test
  void rpmAndApkStyleVersionsSortSensibly() {
    ordered("3.0.7-24.el9", "3.0.7-25.el9", "3.2.2-6.el9");
    ordered("1.36.1-r15", "1.36.1-r29", "1.37.0-r0");
  }

  @Test
  void sortsAListConsistently() {
    List<String> versions = new ArrayList<>(List.of("1.10", "1.0~beta", "1:0.5", "1.9", "1.0"));
    versions.sort(PackageVersions.ORDER);
    assertThat(versions).containsExactly("1.0~beta", "1.0", "1.9", "1.10", "1:0.5");
  }

  @Test
  void rangeKeepsFromInclusiveAndBeforeExclusive() {
    FleetSoftware.VersionRange range = new FleetSoftware.VersionRange(" 3.0.11 ", "3.0.15");
    assertThat(range.contains("3.0.11")).isTrue();
    assertThat(range.contains("3.0.14-1")).isTrue();
    assertThat(range.contains("3.0.15")).isFalse();
    assertThat(range.contains("3.0.9")).isFalse();
    assertThat(new FleetSoftware.VersionRange(null, "").unbounded()).isTrue();
    assertThat(new FleetSoftware.VersionRange("", "2").contains("1.99")).isTrue();
  }
}
