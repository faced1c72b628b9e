package io.ctops.agent.certificates;

import io.ctops.protocol.v1.CertificateScanAck;
import io.ctops.protocol.v1.CertificateScanChunk;
import io.ctops.protocol.v1.DiscoveredCertificate;
import io.ctops.protocol.v1.IngestServiceGrpc.IngestServiceStub;
import io.grpc.Status;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.StreamObserver;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Sends one scan with {@code SubmitCertificates}, as the software inventory goes with {@code
 * SubmitSoftwareInventory}: on the agent's authenticated stub (its JWT), at most {@link #CHUNK}
 * certificates per chunk, the counts and {@code truncated} on the last one, and waits for ingest's
 * answer. Ingest keeps the host's previous scan until the last chunk is in.
 */
public final class CertificateUpload {
  static final int CHUNK = 500;

  /** The whole upload, answer included; ingest stores a scan in one transaction. */
  static final Duration DEADLINE = Duration.ofMinutes(5);

  private CertificateUpload() {}

  /** How an upload ended. */
  public sealed interface Outcome {}

  /** Ingest stored the scan: {@code received} certificates (duplicates counted once). */
  public record Acknowledged(int received) implements Outcome {}

  /** Not stored: why, for the log and the task's error. */
  public record Failed(String reason) implements Outcome {}

  static Outcome send(IngestServiceStub stub, String scanId, ScanReport report)
      throws InterruptedException {
    CompletableFuture<CertificateScanAck> answer = new CompletableFuture<>();
    StreamObserver<CertificateScanChunk> chunks =
        stub.withDeadlineAfter(DEADLINE.toMillis(), TimeUnit.MILLISECONDS)
            .submitCertificates(
                new StreamObserver<>() {
                  @Override
                  public void onNext(CertificateScanAck ack) {
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
    List<DiscoveredCertificate> certificates = report.certificates();
    int index = 0;
    int from = 0;
    do {
      int to = Math.min(certificates.size(), from + CHUNK);
      CertificateScanChunk.Builder chunk =
          CertificateScanChunk.newBuilder()
              .setScanId(scanId)
              .setChunkIndex(index++)
              .addAllCertificates(certificates.subList(from, to));
      if (to == certificates.size()) {
        chunk
            .setIsLast(true)
            .setFilesScanned(report.filesScanned())
            .setFilesSkipped(report.filesSkipped())
            .setServicesProbed(report.servicesProbed())
            .setServicesWithCertificates(report.servicesWithCertificates())
            .setTruncated(report.truncated());
      }
      chunks.onNext(chunk.build());
      from = to;
    } while (from < certificates.size());
    chunks.onCompleted();
    try {
      return new Acknowledged(answer.get(DEADLINE.toMillis(), TimeUnit.MILLISECONDS).getReceived());
    } catch (ExecutionException e) {
      Status status = Status.fromThrowable(e.getCause());
      return new Failed(
          status.getCode()
              + (status.getDescription() == null ? "" : ": " + status.getDescription()));
    } catch (TimeoutException e) {
      return new Failed("ingest did not answer within " + DEADLINE.toMinutes() + " minutes");
    } catch (InterruptedException e) {
      // Cancelled: end the upload too, so ingest stops waiting for it.
      if (chunks instanceof ClientCallStreamObserver<?> call) {
        call.cancel("certificate scan cancelled", null);
      }
      throw e;
    }
  }
}
