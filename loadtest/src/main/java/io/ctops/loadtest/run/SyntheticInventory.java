package io.ctops.loadtest.run;

import io.ctops.protocol.v1.AgentTask;
import io.ctops.protocol.v1.AgentTaskResult;
import io.ctops.protocol.v1.IngestServiceGrpc;
import io.ctops.protocol.v1.SoftwareInventoryAck;
import io.ctops.protocol.v1.SoftwareInventoryChunk;
import io.ctops.protocol.v1.SoftwarePackage;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import java.util.concurrent.TimeUnit;

/**
 * A virtual agent's answer to a software scan: {@code packages} made-up packages streamed with
 * {@code SubmitSoftwareInventory} in chunks of at most 500, the last one marked, as the real agent
 * does; the task result says how it went.
 */
final class SyntheticInventory {
  private SyntheticInventory() {}

  static AgentTaskResult submit(
      IngestServiceGrpc.IngestServiceStub stub,
      AgentTask task,
      int packages,
      int agentNumber,
      LoadStats stats) {
    java.util.concurrent.CompletableFuture<SoftwareInventoryAck> answer =
        new java.util.concurrent.CompletableFuture<>();
    StreamObserver<SoftwareInventoryChunk> chunks =
        stub.withDeadlineAfter(5, TimeUnit.MINUTES)
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
                    answer.complete(null);
                  }
                });
    int total = packages;
    int index = 0;
    for (int from = 0; from == 0 || from < total; from += 500) {
      int to = Math.min(total, from + 500);
      SoftwareInventoryChunk.Builder chunk =
          SoftwareInventoryChunk.newBuilder()
              .setScanId(task.getTaskId())
              .setSource("dpkg")
              .setChunkIndex(index++)
              .setIsLast(to >= total);
      for (int p = from; p < to; p++) {
        chunk.addPackages(
            SoftwarePackage.newBuilder()
                .setName("loadtest-package-" + p)
                .setVersion("1." + (p % 10) + "." + (agentNumber % 3))
                .setArchitecture("amd64")
                .setPublisher("Load test"));
      }
      chunks.onNext(chunk.build());
      if (total == 0) {
        break;
      }
    }
    chunks.onCompleted();
    AgentTaskResult.Builder result =
        AgentTaskResult.newBuilder().setTaskId(task.getTaskId()).setTaskType(task.getTaskType());
    try {
      answer.get(5, TimeUnit.MINUTES);
      stats.inventoriesSent.incrementAndGet();
      result.setExitCode(0).setResultJson("{\"packages\":" + total + ",\"source\":\"dpkg\"}");
    } catch (java.util.concurrent.ExecutionException e) {
      stats.error("inventory", e.getCause());
      result.setExitCode(1).setError(Status.fromThrowable(e.getCause()).toString());
    } catch (java.util.concurrent.TimeoutException | InterruptedException e) {
      stats.error("inventory: no answer within 5 minutes");
      result.setExitCode(1).setError("no answer");
    }
    return result.build();
  }
}
