package io.ctops.server.inventory;

import io.ctops.agent.inventory.InstalledPackage;
import io.ctops.protocol.v1.SoftwareInventoryAck;
import io.ctops.protocol.v1.SoftwareInventoryChunk;
import io.ctops.protocol.v1.SoftwarePackage;
import io.ctops.server.enrolment.AgentAuthentication;
import io.ctops.server.enrolment.AgentAuthentication.AuthenticatedAgent;
import io.ctops.server.platform.grpc.AgentText;
import io.ctops.server.platform.grpc.CallIdentity;
import io.ctops.server.platform.grpc.RequestGuard;
import io.grpc.Status;
import io.grpc.StatusException;
import io.grpc.stub.StreamObserver;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code SubmitSoftwareInventory}: one client stream per scan. Chunks are checked as they arrive
 * and kept in memory; only when the last one is in is the scan applied, in one transaction, so a
 * stream that breaks or a chunk that is refused leaves every package as it was (and fails the
 * scan).
 */
public final class InventoryUploads {
  private static final Logger log = LoggerFactory.getLogger(InventoryUploads.class);
  public static final int MAX_PACKAGES_PER_CHUNK = 500;
  public static final int MAX_PACKAGES_PER_SCAN = 200_000;
  static final int MAX_FIELD_BYTES = 1024;
  static final Set<String> SOURCES = Set.of("dpkg", "rpm", "pacman", "apk");

  private final AgentAuthentication authentication;
  private final SoftwareScans scans;

  public InventoryUploads(AgentAuthentication authentication, SoftwareScans scans) {
    this.authentication = authentication;
    this.scans = scans;
  }

  public StreamObserver<SoftwareInventoryChunk> open(
      StreamObserver<SoftwareInventoryAck> responses) {
    AuthenticatedAgent agent;
    try {
      agent =
          authentication.authenticate(
              CallIdentity.bearerToken(), Optional.empty(), CallIdentity.clientCertificate());
      AgentAuthentication.requireAllowed(agent);
    } catch (StatusException e) {
      responses.onError(e);
      return new Upload(null, responses);
    }
    return new Upload(agent, responses);
  }

  private final class Upload implements StreamObserver<SoftwareInventoryChunk> {
    private final AuthenticatedAgent agent;
    private final StreamObserver<SoftwareInventoryAck> responses;
    private SoftwareScans.Scan scan;
    private String source;
    private int nextIndex;
    private boolean lastSeen;
    private boolean finished;
    private final List<InstalledPackage> packages = new ArrayList<>();

    Upload(AuthenticatedAgent agent, StreamObserver<SoftwareInventoryAck> responses) {
      this.agent = agent;
      this.responses = responses;
      this.finished = agent == null;
    }

    @Override
    public void onNext(SoftwareInventoryChunk chunk) {
      if (finished) {
        return;
      }
      try {
        accept(chunk);
      } catch (StatusException e) {
        refuse(e);
      }
    }

    private void accept(SoftwareInventoryChunk chunk) throws StatusException {
      if (lastSeen) {
        throw invalid("a chunk arrived after the one marked is_last");
      }
      if (scan == null) {
        UUID scanId;
        try {
          scanId = UUID.fromString(chunk.getScanId());
        } catch (IllegalArgumentException e) {
          throw invalid("scan_id '" + shorten(chunk.getScanId()) + "' is not a scan id");
        }
        SoftwareScans.Scan found =
            scans
                .find(scanId)
                .filter(s -> s.hostId().equals(agent.hostId()))
                .orElseThrow(
                    () ->
                        Status.NOT_FOUND
                            .withDescription("no scan " + scanId + " was requested for this host")
                            .asException());
        if (!found.status().equals("queued") && !found.status().equals("running")) {
          throw Status.FAILED_PRECONDITION
              .withDescription(
                  "scan " + scanId + " is " + found.status() + "; it takes no more chunks")
              .asException();
        }
        scan = found;
        if (!SOURCES.contains(chunk.getSource())) {
          throw invalid("source must be one of dpkg, rpm, pacman, apk");
        }
        source = chunk.getSource();
        if (!scans.start(scan.id(), source)) {
          throw Status.FAILED_PRECONDITION
              .withDescription("scan " + scanId + " is no longer under way")
              .asException();
        }
      } else if (!chunk.getScanId().equals(scan.id().toString())) {
        throw invalid("every chunk of a stream must carry the same scan_id");
      } else if (!chunk.getSource().equals(source)) {
        throw invalid("every chunk of a scan must carry the same source");
      }
      // After the scan is known, so that the refusal fails it with the reason.
      Optional<String> nul = AgentText.nulIn(chunk, Set.of());
      if (nul.isPresent()) {
        throw invalid(nul.get());
      }
      if (chunk.getChunkIndex() != nextIndex) {
        throw invalid(
            "chunk_index " + chunk.getChunkIndex() + " out of order; expected " + nextIndex);
      }
      if (chunk.getPackagesCount() > MAX_PACKAGES_PER_CHUNK) {
        throw invalid(
            "a chunk carries at most "
                + MAX_PACKAGES_PER_CHUNK
                + " packages, got "
                + chunk.getPackagesCount());
      }
      if (packages.size() + chunk.getPackagesCount() > MAX_PACKAGES_PER_SCAN) {
        throw invalid("a scan carries at most " + MAX_PACKAGES_PER_SCAN + " packages");
      }
      int position = 0;
      for (SoftwarePackage p : chunk.getPackagesList()) {
        check(p.getName(), "name", position, true);
        check(p.getVersion(), "version", position, false);
        check(p.getArchitecture(), "architecture", position, false);
        check(p.getPublisher(), "publisher", position, false);
        if (p.getInstallDateUnix() < 0) {
          throw invalid("package " + position + ": install_date_unix is negative");
        }
        packages.add(
            new InstalledPackage(
                p.getName(),
                p.getVersion(),
                p.getArchitecture(),
                p.getPublisher(),
                p.getInstallDateUnix()));
        position++;
      }
      nextIndex++;
      lastSeen = chunk.getIsLast();
    }

    private void check(String value, String field, int position, boolean required)
        throws StatusException {
      if (required && value.isBlank()) {
        throw invalid("package " + position + ": " + field + " is empty");
      }
      if (value.getBytes(StandardCharsets.UTF_8).length > MAX_FIELD_BYTES) {
        throw invalid(
            "package " + position + ": " + field + " is longer than " + MAX_FIELD_BYTES + " bytes");
      }
    }

    @Override
    public void onError(Throwable error) {
      if (!finished && scan != null) {
        scans.fail(
            scan.id(),
            RequestGuard.refusal()
                .map(Status::getDescription)
                .orElse("the agent's stream ended: " + Status.fromThrowable(error).getCode()));
      }
      finished = true;
    }

    @Override
    public void onCompleted() {
      if (finished) {
        return;
      }
      try {
        if (scan == null) {
          throw invalid("the stream carried no chunk");
        }
        if (!lastSeen) {
          throw invalid("the stream ended before the chunk marked is_last");
        }
        if (!scans.complete(scan, source, packages)) {
          throw Status.FAILED_PRECONDITION
              .withDescription("scan " + scan.id() + " is no longer under way")
              .asException();
        }
        finished = true;
        log.info(
            "event=software_scan_completed scan_id={} host_id={} packages={}",
            scan.id(),
            scan.hostId(),
            packages.size());
        responses.onNext(SoftwareInventoryAck.newBuilder().setReceived(packages.size()).build());
        responses.onCompleted();
      } catch (StatusException e) {
        refuse(e);
      } catch (RuntimeException e) {
        log.error(
            "event=software_scan_apply_failed scan_id={}", scan == null ? null : scan.id(), e);
        refuse(Status.INTERNAL.withDescription("the scan could not be stored").asException());
      }
    }

    private void refuse(StatusException e) {
      finished = true;
      if (scan != null) {
        scans.fail(scan.id(), e.getStatus().getDescription());
      }
      responses.onError(e);
    }
  }

  private static StatusException invalid(String message) {
    return Status.INVALID_ARGUMENT.withDescription(message).asException();
  }

  private static String shorten(String text) {
    String clean = AgentText.storable(text, 60);
    return text.length() > 60 ? clean + "…" : clean;
  }
}
