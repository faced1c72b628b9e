package io.ctops.server.platform.grpc;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.Descriptors.FieldDescriptor;
import io.ctops.protocol.v1.AgentTaskProgress;
import io.ctops.protocol.v1.BufferedSample;
import io.ctops.protocol.v1.DiskInfo;
import io.ctops.protocol.v1.HeartbeatRequest;
import io.ctops.protocol.v1.NetworkInterface;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

class AgentTextTest {
  private static final Set<FieldDescriptor> OUTPUT =
      Set.of(
          AgentTaskProgress.getDescriptor()
              .findFieldByNumber(AgentTaskProgress.OUTPUT_CHUNK_FIELD_NUMBER));

  @Test
  void namesTheFieldWithTheNulDownToTheElementOfARepeatedField() {
    HeartbeatRequest request =
        heartbeat()
            .addDisks(DiskInfo.newBuilder().setMountPoint("/data\0"))
            .addNetworkInterfaces(
                NetworkInterface.newBuilder().setName("eth1").addIpAddresses("10.0.0.1"))
            .build();

    assertThat(AgentText.nulIn(request, Set.of()))
        .contains("disks[1].mount_point contains a NUL character");
    assertThat(
            AgentText.nulIn(
                heartbeat()
                    .addNetworkInterfaces(
                        NetworkInterface.newBuilder().addIpAddresses("::1").addIpAddresses("\0"))
                    .build(),
                Set.of()))
        .contains("network_interfaces[1].ip_addresses[1] contains a NUL character");
    assertThat(AgentText.nulIn(heartbeat().setOs("li\0nux").build(), Set.of()))
        .contains("os contains a NUL character");
  }

  @Test
  void findsNoneInCleanTextAndSkipsFreeTextFields() {
    HeartbeatRequest request =
        heartbeat()
            .addTaskProgress(AgentTaskProgress.newBuilder().setTaskId("t").setOutputChunk("\0"))
            .build();

    assertThat(AgentText.nulIn(heartbeat().build(), Set.of())).isEmpty();
    assertThat(AgentText.nulIn(request, OUTPUT)).isEmpty();
    assertThat(AgentText.nulIn(request, Set.of()))
        .contains("task_progress[0].output_chunk contains a NUL character");
  }

  @Test
  void makesTextStorableReplacingNulAndCuttingOnACharacterBoundary() {
    assertThat(AgentText.storable("a\0b", 10)).isEqualTo("a\uFFFDb");
    assertThat(AgentText.storable("abcdef", 3)).isEqualTo("abc");
    assertThat(AgentText.storable("ab\uD83D\uDE00", 3)).as("never half an emoji").isEqualTo("ab");
    assertThat(AgentText.storable("plain", 5)).isEqualTo("plain");
  }

  /**
   * Ingest takes about 3,000 heartbeats a second at its rated fleet; checking each must cost a
   * negligible share of a core. Measured here on a heartbeat as our agent sends it (four disks,
   * three interfaces, one buffered sample) and on one carrying 3,000 buffered samples (after an
   * outage), whose samples hold no text and are not looked into.
   */
  @Test
  void checkingAHeartbeatCostsAFewMicroseconds() {
    HeartbeatRequest.Builder typical = heartbeat();
    for (int i = 0; i < 4; i++) {
      typical.addDisks(
          DiskInfo.newBuilder()
              .setMountPoint("/mnt/d" + i)
              .setDevice("/dev/sd" + i)
              .setFsType("ext4"));
    }
    for (int i = 0; i < 3; i++) {
      typical.addNetworkInterfaces(
          NetworkInterface.newBuilder()
              .setName("eth" + i)
              .addIpAddresses("10.0.0." + i)
              .addIpAddresses("fe80::" + i)
              .setMacAddress("00:11:22:33:44:5" + i));
    }
    HeartbeatRequest ordinary =
        typical.addSamples(BufferedSample.newBuilder().setTimestampUnix(1)).build();
    HeartbeatRequest.Builder backlog = ordinary.toBuilder();
    for (int i = 0; i < 3000; i++) {
      backlog.addSamples(BufferedSample.newBuilder().setTimestampUnix(i + 2));
    }

    double ordinaryMicros = microsPerCheck(ordinary, 200_000);
    double backlogMicros = microsPerCheck(backlog.build(), 2_000);

    System.out.printf(
        "event=agent_text_benchmark ordinary_us=%.2f backlog_3000_samples_us=%.2f%n",
        ordinaryMicros, backlogMicros);
    // 3,000 ordinary heartbeats a second at 20 µs each would be 6 % of one core.
    assertThat(ordinaryMicros).isLessThan(20);
    assertThat(backlogMicros).isLessThan(200);
  }

  private static double microsPerCheck(HeartbeatRequest request, int times) {
    int found = 0;
    for (int round = 0; round < 3; round++) {
      long start = System.nanoTime();
      for (int i = 0; i < times; i++) {
        Optional<String> nul = AgentText.nulIn(request, OUTPUT);
        found += nul.isPresent() ? 1 : 0;
      }
      long elapsed = System.nanoTime() - start;
      if (round == 2) {
        assertThat(found).isZero();
        return elapsed / 1000.0 / times;
      }
    }
    throw new AssertionError("unreachable");
  }

  private static HeartbeatRequest.Builder heartbeat() {
    return HeartbeatRequest.newBuilder()
        .setAgentVersion("1.4.0")
        .setOs("linux")
        .setArch("amd64")
        .setOsVersion("Debian 12")
        .addDisks(DiskInfo.newBuilder().setMountPoint("/").setDevice("/dev/sda1"))
        .addNetworkInterfaces(NetworkInterface.newBuilder().setName("eth0"));
  }
}
