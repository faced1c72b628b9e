package io.ctops.agent.inventory;

import io.ctops.protocol.v1.AgentTaskResult;
import io.ctops.protocol.v1.IngestServiceGrpc;
import io.ctops.protocol.v1.SoftwareInventoryAck;
import io.ctops.protocol.v1.SoftwareInventoryChunk;
import io.ctops.protocol.v1.SoftwarePackage;
import io.grpc.Status;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.StreamObserver;
import java.io.IOException;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Runs a {@code software_inventory} task ({@code tasks.SoftwareInventoryTask}): scans the host and
 * streams the packages to ingest with {@code SubmitSoftwareInventory}, at most {@link #CHUNK} per
 * chunk, the last one marked. Returns the task's result for the next heartbeat.
 */
public final class ScanUpload {
  public static final String TASK_TYPE = "software_inventory";
  static final int CHUNK = 500;

  private ScanUpload() {}

  public static AgentTaskResult run(
      IngestServiceGrpc.IngestServiceStub stub, String scanId, PackageInventory inventory) {
    AgentTaskResult.Builder result =
        AgentTaskResult.newBuilder().setTaskId(scanId).setTaskType(TASK_TYPE);
    Optional<PackageInventory.Scan> scan;
    try {
      scan = inventory.scan();
    } catch (IOException | RuntimeException e) {
      return result.setExitCode(1).setError("reading the package database failed: " + e).build();
    }
    if (scan.isEmpty()) {
      return result
          .setExitCode(1)
          .setError("no supported package manager on this host (dpkg, rpm, pacman, apk)")
          .build();
    }
    return send(stub, scanId, scan.get().source(), scan.get().packages(), scan.get().skipped());
  }

  /**
   * {@link #send(IngestServiceGrpc.IngestServiceStub, String, String, List, int)}, none skipped.
   */
  public static AgentTaskResult send(
      IngestServiceGrpc.IngestServiceStub stub,
      String scanId,
      String source,
      List<InstalledPackage> packages) {
    return send(stub, scanId, source, packages, 0);
  }

  /**
   * Streams {@code packages} for scan {@code scanId}, at most {@link #CHUNK} per chunk, the last
   * one marked, and waits for ingest's answer; the result says how many entries the scan {@code
   * skipped}. Also used by the load tester's virtual agents.
   */
  public static AgentTaskResult send(
      IngestServiceGrpc.IngestServiceStub stub,
      String scanId,
      String source,
      List<InstalledPackage> packages,
      int skipped) {
    AgentTaskResult.Builder result =
        AgentTaskResult.newBuilder().setTaskId(scanId).setTaskType(TASK_TYPE);
    CompletableFuture<SoftwareInventoryAck> answer = new CompletableFuture<>();
    StreamObserver<SoftwareInventoryChunk> chunks =
        stub.withDeadlineAfter(10, TimeUnit.MINUTES)
            .submitSoftwareInventory(
                new StreamObserver<>() {
                  @Override
                  public void onNext(SoftwareInventoryAck ack) {
                    answer.complete(ack);
                  }

                  @Override
                  public void onError(Throwable t) {
                    answer.completeExceptionally(t);
                  }

                  @Override
                  public void onCompleted() {
                    answer.completeExceptionally(
                        Status.INTERNAL.withDescription("no answer").asRuntimeException());
                  }
                });
    int index = 0;
    for (int from = 0; from == 0 || from < packages.size(); from += CHUNK) {
      int to = Math.min(packages.size(), from + CHUNK);
      SoftwareInventoryChunk.Builder chunk =
          SoftwareInventoryChunk.newBuilder()
              .setScanId(scanId)
              .setSource(source)
              .setChunkIndex(index++)
              .setIsLast(to >= packages.size());
      for (InstalledPackage p : packages.subList(from, to)) {
        chunk.addPackages(
            SoftwarePackage.newBuilder()
                .setName(p.name())
                .setVersion(p.version())
                .setArchitecture(p.architecture())
                .setPublisher(p.publisher())
                .setInstallDateUnix(p.installedUnix()));
      }
      chunks.onNext(chunk.build());
      if (packages.isEmpty()) {
        break;
      }
    }
    chunks.onCompleted();
    try {
      SoftwareInventoryAck ack = answer.get(10, TimeUnit.MINUTES);
      return result
          .setExitCode(0)
          .setResultJson(
              "{\"packages\":"
                  + ack.getReceived()
                  + ",\"source\":\""
                  + source
                  + "\",\"skipped\":"
                  + skipped
                  + "}")
          .build();
    } catch (ExecutionException e) {
      Status status = Status.fromThrowable(e.getCause());
      return result
          .setExitCode(1)
          .setError(status.getCode() + ": " + status.getDescription())
          .build();
    } catch (TimeoutException e) {
      return result.setExitCode(1).setError("ingest did not answer within 10 minutes").build();
    } catch (InterruptedException e) {
      // Cancelled: end the upload too, so ingest stops waiting for it.
      if (chunks instanceof ClientCallStreamObserver<?> call) {
        call.cancel("software inventory scan cancelled", null);
      }
      Thread.currentThread().interrupt();
      return result.setExitCode(1).setError("interrupted").build();
    }
  }
}
