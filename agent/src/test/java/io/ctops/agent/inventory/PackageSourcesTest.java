package io.ctops.agent.inventory;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PackageSourcesTest {
  @TempDir Path empty;

  private static Path sample(String name) throws URISyntaxException {
    return Path.of(PackageSourcesTest.class.getResource("/inventory/" + name).toURI());
  }

  @Test
  void readsInstalledDpkgPackagesOnly() throws Exception {
    Path root = sample("dpkg");
    Files.setLastModifiedTime(
        root.resolve("var/lib/dpkg/info/bash:amd64.list"), FileTime.fromMillis(1_700_000_000_000L));
    List<InstalledPackage> packages = new DpkgStatus(root).read();
    assertThat(packages)
        .extracting(InstalledPackage::name)
        .containsExactly("bash", "libssl3", "tzdata");
    InstalledPackage bash = packages.get(0);
    assertThat(bash.version()).isEqualTo("5.2.15-2+b7");
    assertThat(bash.architecture()).isEqualTo("amd64");
    assertThat(bash.publisher()).isEqualTo("Example Shell Maintainers <shells@example.org>");
    assertThat(bash.installedUnix()).isEqualTo(1_700_000_000L);
    assertThat(packages.get(1).installedUnix()).isZero();
    assertThat(packages.get(2).installedUnix()).isPositive();
  }

  @Test
  void readsPacmanDescFiles() throws Exception {
    List<InstalledPackage> packages = new PacmanLocal(sample("pacman")).read();
    assertThat(packages).hasSize(2);
    assertThat(packages.get(0))
        .isEqualTo(
            new InstalledPackage(
                "bash",
                "5.2.026-2",
                "x86_64",
                "Example Packager <packager@example.org>",
                1712000000));
    assertThat(packages.get(1).version()).isEqualTo("1:1.3.1-1");
  }

  @Test
  void readsTheApkDatabase() throws Exception {
    List<InstalledPackage> packages = new ApkInstalled(sample("apk")).read();
    assertThat(packages)
        .containsExactly(
            new InstalledPackage(
                "musl", "1.2.5-r0", "x86_64", "Example Maintainer <musl@example.org>", 0),
            new InstalledPackage(
                "busybox", "1.36.1-r29", "x86_64", "Another Maintainer <busybox@example.org>", 0));
  }

  @Test
  void parsesRpmQueryOutput() throws Exception {
    List<InstalledPackage> packages =
        RpmQuery.parse(Files.readString(sample("rpm-qa.txt"), StandardCharsets.UTF_8));
    assertThat(packages)
        .extracting(InstalledPackage::name)
        .containsExactly("bash", "kernel-core", "gpg-pubkey", "perl-libs");
    assertThat(packages.get(2).architecture()).isEmpty();
    assertThat(packages.get(2).publisher()).isEmpty();
    assertThat(packages.get(3).version()).isEqualTo("4:5.32.1-481.el9");
    assertThat(packages.get(0).installedUnix()).isEqualTo(1712001000L);
  }

  @Test
  void theFirstPackageManagerPresentWins() throws Exception {
    assertThat(new PackageInventory(sample("dpkg")).scan())
        .hasValueSatisfying(s -> assertThat(s.source()).isEqualTo("dpkg"));
    assertThat(new PackageInventory(sample("pacman")).scan())
        .hasValueSatisfying(s -> assertThat(s.source()).isEqualTo("pacman"));
    assertThat(new PackageInventory(sample("apk")).scan())
        .hasValueSatisfying(s -> assertThat(s.source()).isEqualTo("apk"));
    assertThat(new PackageInventory(empty).scan()).isEmpty();
  }

  @Test
  void fieldsAreCutToWhatTheServerAcceptsOnACharacterBoundary() {
    String long_ = "é".repeat(600); // 1,200 bytes of UTF-8
    InstalledPackage cut = new InstalledPackage("p", "1", "x", long_, -5);
    assertThat(cut.publisher().getBytes(StandardCharsets.UTF_8)).hasSize(1024);
    assertThat(cut.publisher()).isEqualTo("é".repeat(512));
    assertThat(cut.installedUnix()).isZero();
  }
}
