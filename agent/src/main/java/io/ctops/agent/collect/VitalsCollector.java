package io.ctops.agent.collect;

import io.ctops.protocol.v1.DiskInfo;
import io.ctops.protocol.v1.NetworkInterface;
import java.io.IOException;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import oshi.SystemInfo;
import oshi.hardware.CentralProcessor;
import oshi.hardware.GlobalMemory;
import oshi.hardware.NetworkIF;
import oshi.software.os.OSFileStore;
import oshi.software.os.OperatingSystem;

/**
 * Reads this machine's vitals with OSHI: CPU % since the previous sample, memory %, every local
 * filesystem (and the fullest as "disk %"), uptime, OS, network interfaces and receive/transmit
 * rates since the previous sample.
 */
public final class VitalsCollector {
  private static final Set<String> PSEUDO_FILESYSTEMS =
      Set.of(
          "tmpfs",
          "devtmpfs",
          "overlay",
          "squashfs",
          "proc",
          "sysfs",
          "cgroup",
          "cgroup2",
          "devpts",
          "mqueue",
          "nsfs",
          "ramfs",
          "autofs",
          "tracefs",
          "debugfs",
          "efivarfs");

  private final OperatingSystem os;
  private final CentralProcessor processor;
  private final GlobalMemory memory;
  private final SystemInfo system = new SystemInfo();
  private long[] previousTicks;
  private long previousRx = -1;
  private long previousTx = -1;
  private long previousNanos;

  public VitalsCollector() {
    this.os = system.getOperatingSystem();
    this.processor = system.getHardware().getProcessor();
    this.memory = system.getHardware().getMemory();
    this.previousTicks = processor.getSystemCpuLoadTicks();
  }

  /** One reading of the machine. */
  public record Vitals(
      float cpuPercent,
      float memoryPercent,
      float diskPercent,
      long uptimeSeconds,
      List<DiskInfo> disks,
      List<NetworkInterface> interfaces,
      long rxBytesPerSecond,
      long txBytesPerSecond) {}

  public synchronized Vitals sample() {
    double cpu = processor.getSystemCpuLoadBetweenTicks(previousTicks) * 100;
    previousTicks = processor.getSystemCpuLoadTicks();
    double memoryUsed =
        100.0 * (memory.getTotal() - memory.getAvailable()) / Math.max(1, memory.getTotal());
    List<DiskInfo> disks = disks();
    float fullest = (float) disks.stream().mapToDouble(DiskInfo::getPercentUsed).max().orElse(0);
    List<NetworkInterface> interfaces = new ArrayList<>();
    long rx = 0;
    long tx = 0;
    for (NetworkIF nic : system.getHardware().getNetworkIFs(false)) {
      nic.updateAttributes();
      rx += nic.getBytesRecv();
      tx += nic.getBytesSent();
      List<String> addresses = new ArrayList<>(List.of(nic.getIPv4addr()));
      for (String v6 : nic.getIPv6addr()) {
        addresses.add(v6.replaceFirst("%.*$", ""));
      }
      interfaces.add(
          NetworkInterface.newBuilder()
              .setName(nic.getName())
              .addAllIpAddresses(addresses)
              .setMacAddress(nic.getMacaddr())
              .setIsUp(nic.getIfOperStatus() == NetworkIF.IfOperStatus.UP)
              .build());
    }
    long now = System.nanoTime();
    long rxRate = 0;
    long txRate = 0;
    if (previousRx >= 0 && now > previousNanos) {
      double seconds = (now - previousNanos) / 1e9;
      rxRate = (long) Math.max(0, (rx - previousRx) / seconds);
      txRate = (long) Math.max(0, (tx - previousTx) / seconds);
    }
    previousRx = rx;
    previousTx = tx;
    previousNanos = now;
    return new Vitals(
        clamp(cpu),
        clamp(memoryUsed),
        clamp(fullest),
        os.getSystemUptime(),
        disks,
        interfaces,
        rxRate,
        txRate);
  }

  private List<DiskInfo> disks() {
    List<DiskInfo> disks = new ArrayList<>();
    for (OSFileStore store : os.getFileSystem().getFileStores(true)) {
      if (PSEUDO_FILESYSTEMS.contains(store.getType()) || store.getTotalSpace() <= 0) {
        continue;
      }
      long total = store.getTotalSpace();
      long free = store.getUsableSpace();
      long used = total - store.getFreeSpace();
      disks.add(
          DiskInfo.newBuilder()
              .setMountPoint(store.getMount())
              .setDevice(store.getVolume())
              .setFsType(store.getType())
              .setTotalBytes(total)
              .setUsedBytes(Math.max(0, used))
              .setFreeBytes(free)
              .setPercentUsed(clamp(100.0 * (total - free) / total))
              .build());
    }
    return disks;
  }

  /** "linux", "darwin", "windows": the platform word agents report. */
  public String osName() {
    String name = System.getProperty("os.name").toLowerCase(Locale.ROOT);
    if (name.contains("mac")) {
      return "darwin";
    }
    return name.contains("win") ? "windows" : name;
  }

  public String osVersion() {
    return os.getFamily() + " " + os.getVersionInfo().getVersion();
  }

  public String arch() {
    return System.getProperty("os.arch");
  }

  public String hostname() {
    // The kernel's name first: it needs no resolver, which may stall on a machine without DNS.
    try {
      String kernelName = Files.readString(Path.of("/proc/sys/kernel/hostname")).strip();
      if (!kernelName.isEmpty()) {
        return kernelName;
      }
    } catch (IOException | RuntimeException e) {
      // not Linux: ask OSHI
    }
    String name = os.getNetworkParams().getHostName();
    if (name == null || name.isBlank()) {
      try {
        name = InetAddress.getLocalHost().getHostName();
      } catch (UnknownHostException e) {
        name = "unknown";
      }
    }
    return name;
  }

  /** Every address of the machine but loopback and link-local ones. */
  public List<String> ipAddresses() {
    Set<String> addresses = new LinkedHashSet<>();
    for (NetworkIF nic : system.getHardware().getNetworkIFs(false)) {
      for (String v4 : nic.getIPv4addr()) {
        if (!v4.startsWith("127.") && !v4.startsWith("169.254.")) {
          addresses.add(v4);
        }
      }
      for (String v6 : nic.getIPv6addr()) {
        String plain = v6.replaceFirst("%.*$", "").toLowerCase(Locale.ROOT);
        if (!plain.equals("::1") && !plain.startsWith("fe80")) {
          addresses.add(plain);
        }
      }
    }
    return List.copyOf(addresses);
  }

  private static float clamp(double percent) {
    if (Double.isNaN(percent)) {
      return 0;
    }
    return (float) Math.max(0, Math.min(100, percent));
  }
}
