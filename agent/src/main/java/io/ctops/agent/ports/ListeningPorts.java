package io.ctops.agent.ports;

import io.ctops.protocol.v1.PortInfo;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The host's listening sockets, read from the kernel's own tables under {@code /proc} so no {@code
 * ss} or {@code netstat} is needed: {@code /proc/net/tcp}, {@code tcp6}, {@code udp} and {@code
 * udp6} give each socket's address and inode, and the {@code socket:[inode]} links in {@code
 * /proc/<pid>/fd} its owner. The agent sees only the processes it may read (all of them as root); a
 * socket whose owner it cannot see has an empty process and pid 0.
 */
public final class ListeningPorts {
  private static final List<String> TABLES = List.of("tcp", "tcp6", "udp", "udp6");
  // TCP_LISTEN; an unconnected UDP socket is in TCP_CLOSE.
  private static final String TCP_LISTEN = "0A";
  private static final String UDP_UNCONNECTED = "07";

  private final Path proc;

  /** Reads {@code proc}: "/proc" on a host, a copy of its files in tests. */
  public ListeningPorts(Path proc) {
    this.proc = proc;
  }

  /** A listening socket as a table row gives it: its inode finds its owner. */
  record Socket(String protocol, String address, int port, long inode) {}

  public List<PortInfo> list() {
    List<Socket> sockets = new ArrayList<>();
    for (String table : TABLES) {
      Path file = proc.resolve("net").resolve(table);
      try {
        sockets.addAll(parse(table, Files.readString(file)));
      } catch (IOException e) {
        // no IPv6 on this host, or no such table: nothing listens there
      }
    }
    Map<Long, Owner> owners = sockets.isEmpty() ? Map.of() : owners(sockets);
    Map<String, PortInfo> unique = new LinkedHashMap<>();
    for (Socket socket : sockets) {
      Owner owner = owners.getOrDefault(socket.inode(), Owner.UNKNOWN);
      PortInfo port =
          PortInfo.newBuilder()
              .setPort(socket.port())
              .setProtocol(socket.protocol())
              .setAddress(socket.address())
              .setProcess(owner.name())
              .setPid(owner.pid())
              .build();
      // Several sockets on one address and port (SO_REUSEPORT, one per worker) are one port.
      unique.merge(
          socket.protocol() + " " + socket.address() + " " + socket.port(),
          port,
          (kept, next) ->
              kept.getPid() == 0 || (next.getPid() != 0 && next.getPid() < kept.getPid())
                  ? next
                  : kept);
    }
    return unique.values().stream()
        .sorted(
            Comparator.comparingInt(PortInfo::getPort)
                .thenComparing(PortInfo::getProtocol)
                .thenComparing(PortInfo::getAddress))
        .toList();
  }

  /** The listening sockets in one {@code /proc/net} table. */
  static List<Socket> parse(String protocol, String table) {
    boolean tcp = protocol.startsWith("tcp");
    List<Socket> sockets = new ArrayList<>();
    for (String line : table.lines().skip(1).toList()) {
      String[] fields = line.strip().split("\\s+");
      if (fields.length < 10) {
        continue;
      }
      String state = fields[3];
      String[] local = fields[1].split(":");
      String[] remote = fields[2].split(":");
      if (local.length != 2 || remote.length != 2) {
        continue;
      }
      try {
        boolean listening =
            tcp
                ? state.equals(TCP_LISTEN)
                : state.equals(UDP_UNCONNECTED) && Integer.parseInt(remote[1], 16) == 0;
        if (!listening) {
          continue;
        }
        sockets.add(
            new Socket(
                protocol,
                Addresses.decode(local[0]),
                Integer.parseInt(local[1], 16),
                Long.parseLong(fields[9])));
      } catch (IllegalArgumentException malformed) {
        // a line this parser does not understand is skipped, not guessed at
      }
    }
    return sockets;
  }

  private record Owner(String name, int pid) {
    static final Owner UNKNOWN = new Owner("", 0);
  }

  /** The owner of each wanted inode: the lowest pid holding it (a server's parent process). */
  private Map<Long, Owner> owners(List<Socket> sockets) {
    Set<Long> wanted = new java.util.HashSet<>();
    for (Socket socket : sockets) {
      if (socket.inode() != 0) {
        wanted.add(socket.inode());
      }
    }
    Map<Long, Integer> pids = new HashMap<>();
    try (DirectoryStream<Path> processes = Files.newDirectoryStream(proc, "[0-9]*")) {
      for (Path process : processes) {
        int pid;
        try {
          pid = Integer.parseInt(process.getFileName().toString());
        } catch (NumberFormatException e) {
          continue;
        }
        for (long inode : socketsOf(process.resolve("fd"))) {
          if (wanted.contains(inode)) {
            pids.merge(inode, pid, Math::min);
          }
        }
      }
    } catch (IOException e) {
      return Map.of();
    }
    Map<Long, Owner> owners = new HashMap<>();
    Map<Integer, String> names = new HashMap<>();
    pids.forEach(
        (inode, pid) ->
            owners.put(inode, new Owner(names.computeIfAbsent(pid, this::commandName), pid)));
    return owners;
  }

  private List<Long> socketsOf(Path fds) {
    List<Long> inodes = new ArrayList<>();
    try (DirectoryStream<Path> links = Files.newDirectoryStream(fds)) {
      for (Path link : links) {
        try {
          String target = Files.readSymbolicLink(link).toString();
          if (target.startsWith("socket:[") && target.endsWith("]")) {
            inodes.add(Long.parseLong(target.substring(8, target.length() - 1)));
          }
        } catch (IOException | NumberFormatException e) {
          // closed meanwhile, or not a socket
        }
      }
    } catch (IOException | SecurityException e) {
      // another user's process: its sockets stay without an owner
    }
    return inodes;
  }

  private String commandName(int pid) {
    try {
      return Files.readString(proc.resolve(Integer.toString(pid)).resolve("comm")).strip();
    } catch (IOException e) {
      return "";
    }
  }
}
