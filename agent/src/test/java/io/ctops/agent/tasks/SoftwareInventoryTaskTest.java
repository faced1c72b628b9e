package io.ctops.agent.tasks;

import static io.ctops.agent.tasks.TestTaskTypes.aTask;
import static org.assertj.core.api.Assertions.assertThat;

import io.ctops.protocol.v1.AgentTaskResult;
import io.ctops.protocol.v1.IngestServiceGrpc;
import io.ctops.protocol.v1.SoftwareInventoryAck;
import io.ctops.protocol.v1.SoftwareInventoryChunk;
import io.ctops.protocol.v1.SoftwarePackage;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.StreamObserver;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The software scan as a task, uploading to a plain-text ingest on localhost. */
class SoftwareInventoryTaskTest {
  private final List<SoftwareInventoryChunk> uploaded = new CopyOnWriteArrayList<>();
  private final Server ingest;
  private final ManagedChannel channel;
  private final TaskOutbox outbox = new TaskOutbox();
  private final SentToServer server = new SentToServer(outbox);
  private final TaskRunner runner;

  SoftwareInventoryTaskTest() throws Exception {
    ingest =
        NettyServerBuilder.forPort(0)
            .addService(
                new IngestServiceGrpc.IngestServiceImplBase() {
                  @Override
                  public StreamObserver<SoftwareInventoryChunk> submitSoftwareInventory(
                      StreamObserver<SoftwareInventoryAck> ack) {
                    return new StreamObserver<>() {
                      int received;

                      @Override
                      public void onNext(SoftwareInventoryChunk chunk) {
                        uploaded.add(chunk);
                        received += chunk.getPackagesCount();
                      }

                      @Override
                      public void onError(Throwable t) {}

                      @Override
                      public void onCompleted() {
                        ack.onNext(SoftwareInventoryAck.newBuilder().setReceived(received).build());
                        ack.onCompleted();
                      }
                    };
                  }
                })
            .build()
            .start();
    channel = NettyChannelBuilder.forAddress("localhost", ingest.getPort()).usePlaintext().build();
    Path dpkgHost = Path.of(SoftwareInventoryTaskTest.class.getResource("/inventory/dpkg").toURI());
    runner =
        new TaskRunner(
            TaskTypes.of(new SoftwareInventoryTask(dpkgHost)),
            outbox,
            Clock.systemUTC(),
            () -> IngestServiceGrpc.newStub(channel),
            TestTaskTypes.hostActions(),
            () -> {},
            () -> {});
    runner.start();
  }

  @AfterEach
  void stop() throws InterruptedException {
    runner.close();
    channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    ingest.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
  }

  @Test
  void uploadsTheHostsPackagesUnderTheTaskIdAndAnswersWithTheCount() throws Exception {
    runner.arrived(aTask("scan-1", "software_inventory"));

    AgentTaskResult result = server.awaitResult("scan-1");

    assertThat(result.getExitCode()).isZero();
    assertThat(result.getError()).isEmpty();
    assertThat(result.getResultJson())
        .isEqualTo("{\"packages\":3,\"source\":\"dpkg\",\"skipped\":0}");
    assertThat(uploaded).extracting(SoftwareInventoryChunk::getScanId).containsOnly("scan-1");
    assertThat(uploaded.getLast().getIsLast()).isTrue();
    assertThat(uploaded.stream().flatMap(chunk -> chunk.getPackagesList().stream()))
        .extracting(SoftwarePackage::getName)
        .containsExactly("bash", "libssl3", "tzdata");
  }

  @Test
  void skipsAndCountsPackagesTheServerCouldNotStoreInsteadOfFailingTheScan(@TempDir Path host)
      throws Exception {
    Path status = host.resolve("var/lib/dpkg/status");
    Files.createDirectories(status.getParent());
    ByteArrayOutputStream database = new ByteArrayOutputStream();
    database.writeBytes(entry("bash", "5.2", "Shell Maintainers"));
    database.writeBytes(entry("evil\0name", "1.0", "Someone"));
    database.writeBytes(entry("latin1", "1.0", "Someone"));
    // A version that is not UTF-8 (ISO-8859-1 "é"), as an old or broken package may have.
    database.writeBytes(
        "Package: oldpkg\nStatus: install ok installed\nVersion: 1.0-caf"
            .getBytes(StandardCharsets.US_ASCII));
    database.write(0xE9);
    database.writeBytes("\nArchitecture: amd64\n\n".getBytes(StandardCharsets.US_ASCII));
    database.writeBytes(entry("curl", "8.0", "Nul\0Maintainer"));
    Files.write(status, database.toByteArray());
    TaskRunner scanning =
        new TaskRunner(
            TaskTypes.of(new SoftwareInventoryTask(host)),
            outbox,
            Clock.systemUTC(),
            () -> IngestServiceGrpc.newStub(channel),
            TestTaskTypes.hostActions(),
            () -> {},
            () -> {});
    scanning.start();
    try {
      scanning.arrived(aTask("scan-3", "software_inventory"));

      AgentTaskResult result = server.awaitResult("scan-3");

      assertThat(result.getError()).isEmpty();
      assertThat(result.getResultJson())
          .isEqualTo("{\"packages\":3,\"source\":\"dpkg\",\"skipped\":2}");
      List<SoftwarePackage> sent =
          uploaded.stream().flatMap(chunk -> chunk.getPackagesList().stream()).toList();
      assertThat(sent)
          .extracting(SoftwarePackage::getName)
          .containsExactly("bash", "latin1", "curl");
      assertThat(sent.get(2).getPublisher()).isEqualTo("Nul\uFFFDMaintainer");
    } finally {
      scanning.close();
    }
  }

  private static byte[] entry(String name, String version, String maintainer) {
    return ("Package: "
            + name
            + "\nStatus: install ok installed\nMaintainer: "
            + maintainer
            + "\nArchitecture: amd64\nVersion: "
            + version
            + "\n\n")
        .getBytes(StandardCharsets.UTF_8);
  }

  @Test
  void runsUnderTheNameAgentsInTheFieldKnowAndAnswersWithThatName() throws Exception {
    runner.arrived(aTask("scan-2", "software_inventory"));

    AgentTaskResult result = server.awaitResult("scan-2");

    assertThat(result.getExitCode()).isZero();
    assertThat(result.getTaskType()).isEqualTo("software_inventory");
    assertThat(uploaded).extracting(SoftwareInventoryChunk::getScanId).containsOnly("scan-2");
  }
}
