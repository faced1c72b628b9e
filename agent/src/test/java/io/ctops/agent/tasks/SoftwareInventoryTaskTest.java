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
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

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
    assertThat(result.getResultJson()).isEqualTo("{\"packages\":3,\"source\":\"dpkg\"}");
    assertThat(uploaded).extracting(SoftwareInventoryChunk::getScanId).containsOnly("scan-1");
    assertThat(uploaded.getLast().getIsLast()).isTrue();
    assertThat(uploaded.stream().flatMap(chunk -> chunk.getPackagesList().stream()))
        .extracting(SoftwarePackage::getName)
        .containsExactly("bash", "libssl3", "tzdata");
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
