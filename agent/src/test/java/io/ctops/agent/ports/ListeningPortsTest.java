package io.ctops.agent.ports;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import io.ctops.protocol.v1.PortInfo;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ListeningPortsTest {
  @TempDir Path proc;

  @Test
  void listsListeningTcpAndUnconnectedUdpSocketsWithTheirOwners() throws Exception {
    copySample("tcp", "tcp6", "udp", "udp6");
    process(603, "sshd", 18843, 18845);
    process(702, "postgres", 19950, 19951, 34570);
    process(20213, "nginx", 21011, 21012);
    process(20214, "nginx", 21011, 21012, 21013);
    process(455, "systemd-resolve", 17500);
    process(547, "chronyd", 17600, 17601);
    process(1, "systemd");

    List<PortInfo> ports = new ListeningPorts(proc).list();

    assertThat(ports)
        .extracting(
            PortInfo::getPort,
            PortInfo::getProtocol,
            PortInfo::getAddress,
            PortInfo::getProcess,
            PortInfo::getPid)
        .containsExactly(
            tuple(22, "tcp", "0.0.0.0", "sshd", 603),
            tuple(22, "tcp6", "::", "sshd", 603),
            tuple(53, "udp", "127.0.0.53", "systemd-resolve", 455),
            tuple(68, "udp", "0.0.0.0", "", 0),
            tuple(80, "tcp", "0.0.0.0", "nginx", 20213),
            tuple(80, "tcp6", "::", "nginx", 20213),
            tuple(323, "udp6", "::", "chronyd", 547),
            tuple(323, "udp6", "::ffff:127.0.0.1", "chronyd", 547),
            tuple(5432, "tcp", "127.0.0.1", "postgres", 702),
            tuple(5432, "tcp6", "::1", "postgres", 702));
  }

  @Test
  void aHostWithoutIpv6OrWithoutProcessesItMayReadStillListsWhatItSees() throws Exception {
    copySample("tcp");

    assertThat(new ListeningPorts(proc).list())
        .extracting(PortInfo::getPort, PortInfo::getProcess, PortInfo::getPid)
        .containsExactly(tuple(22, "", 0), tuple(80, "", 0), tuple(5432, "", 0));
  }

  @Test
  void skipsLinesItDoesNotUnderstand() {
    String table =
        """
          sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
           0: 00000000:0016 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 18843 1
           1: 0000000G:0016 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 18844 1
           2: garbage
           3: 00000000:XYZ 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 18846 1
        """;

    assertThat(ListeningPorts.parse("tcp", table))
        .containsExactly(new ListeningPorts.Socket("tcp", "0.0.0.0", 22, 18843));
  }

  @Test
  void decodesAddressesAsTheKernelWritesThem() {
    assertThat(
            Map.of(
                "0100007F", Addresses.decode("0100007F"),
                "0A00000A", Addresses.decode("0A00000A"),
                "::", Addresses.decode("00000000000000000000000000000000"),
                "::1", Addresses.decode("00000000000000000000000001000000"),
                "fe80::1", Addresses.decode("000080FE000000000000000001000000"),
                "2001:db8::8a2e:370:7334", Addresses.decode("B80D0120000000002E8A000034737003")))
        .containsEntry("0100007F", "127.0.0.1")
        .containsEntry("0A00000A", "10.0.0.10")
        .containsEntry("::", "::")
        .containsEntry("::1", "::1")
        .containsEntry("fe80::1", "fe80::1")
        .containsEntry("2001:db8::8a2e:370:7334", "2001:db8::8a2e:370:7334");
  }

  @Test
  void findsASocketThisJvmListensOnWithItsPid() throws IOException {
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      List<PortInfo> ports = new ListeningPorts(Path.of("/proc")).list();

      long pid = ProcessHandle.current().pid();
      String name = Files.readString(Path.of("/proc/self/comm")).strip();
      assertThat(ports)
          .filteredOn(port -> port.getPort() == socket.getLocalPort())
          .extracting(
              PortInfo::getProtocol, PortInfo::getAddress, PortInfo::getPid, PortInfo::getProcess)
          .containsAnyOf(
              tuple("tcp", "127.0.0.1", (int) pid, name),
              tuple("tcp6", "::ffff:127.0.0.1", (int) pid, name));
    }
  }

  private void copySample(String... tables) throws Exception {
    Files.createDirectories(proc.resolve("net"));
    for (String table : tables) {
      Path sample = Path.of(ListeningPortsTest.class.getResource("/proc/net/" + table).toURI());
      Files.copy(sample, proc.resolve("net").resolve(table));
    }
  }

  /** A process as /proc shows it: its name, and a socket:[inode] link per open socket. */
  private void process(int pid, String name, long... sockets) throws IOException {
    Path dir = Files.createDirectories(proc.resolve(Integer.toString(pid)).resolve("fd"));
    Files.writeString(dir.getParent().resolve("comm"), name + "\n");
    Files.createSymbolicLink(dir.resolve("0"), Path.of("/dev/null"));
    int fd = 3;
    for (long inode : sockets) {
      Files.createSymbolicLink(
          dir.resolve(Integer.toString(fd++)), Path.of("socket:[" + inode + "]"));
    }
  }
}
