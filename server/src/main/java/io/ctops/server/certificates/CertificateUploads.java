package io.ctops.server.certificates;

import io.ctops.protocol.v1.CertificateScanAck;
import io.ctops.protocol.v1.CertificateScanChunk;
import io.ctops.protocol.v1.DiscoveredCertificate;
import io.ctops.server.enrolment.AgentAuthentication;
import io.ctops.server.enrolment.AgentAuthentication.AuthenticatedAgent;
import io.ctops.server.platform.grpc.AgentText;
import io.ctops.server.platform.grpc.CallIdentity;
import io.grpc.Status;
import io.grpc.StatusException;
import io.grpc.stub.StreamObserver;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.regex.Pattern;
import org.jdbi.v3.core.Jdbi;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code SubmitCertificates}: one client stream per discovery scan. Chunks are checked as they
 * arrive and kept in memory; only when the last one is in does the scan replace the host's previous
 * one, in one transaction, so a broken stream or a refused chunk changes nothing.
 */
public final class CertificateUploads {
  private static final Logger log = LoggerFactory.getLogger(CertificateUploads.class);
  public static final int MAX_PER_CHUNK = 500;
  public static final int MAX_PER_SCAN = 5_000;
  static final int MAX_TEXT_BYTES = 4096;
  static final int MAX_SANS = 1000;
  private static final Pattern FINGERPRINT = Pattern.compile("[0-9a-f]{64}");
  private static final Pattern SERIAL = Pattern.compile("[0-9a-f]{0,256}");

  private final AgentAuthentication authentication;
  private final Jdbi jdbi;
  private final Clock clock;

  public CertificateUploads(AgentAuthentication authentication, Jdbi jdbi, Clock clock) {
    this.authentication = authentication;
    this.jdbi = jdbi;
    this.clock = clock;
  }

  public StreamObserver<CertificateScanChunk> open(StreamObserver<CertificateScanAck> responses) {
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

  private final class Upload implements StreamObserver<CertificateScanChunk> {
    private final AuthenticatedAgent agent;
    private final StreamObserver<CertificateScanAck> responses;
    private final List<StoredCertificate> found = new ArrayList<>();
    private final Set<String> places = new HashSet<>();
    private UUID scanId;
    private int nextIndex;
    private CertificateScanChunk last;
    private boolean finished;

    Upload(AuthenticatedAgent agent, StreamObserver<CertificateScanAck> responses) {
      this.agent = agent;
      this.responses = responses;
      this.finished = agent == null;
    }

    @Override
    public void onNext(CertificateScanChunk chunk) {
      if (finished) {
        return;
      }
      try {
        accept(chunk);
      } catch (StatusException e) {
        refuse(e);
      }
    }

    private void accept(CertificateScanChunk chunk) throws StatusException {
      if (last != null) {
        throw invalid("a chunk arrived after the one marked is_last");
      }
      if (scanId == null) {
        try {
          scanId = UUID.fromString(chunk.getScanId());
        } catch (IllegalArgumentException e) {
          throw invalid("scan_id '" + AgentText.storable(chunk.getScanId(), 60) + "' is not an id");
        }
      } else if (!chunk.getScanId().equals(scanId.toString())) {
        throw invalid("every chunk of a stream must carry the same scan_id");
      }
      Optional<String> nul = AgentText.nulIn(chunk, Set.of());
      if (nul.isPresent()) {
        throw invalid(nul.get());
      }
      if (chunk.getChunkIndex() != nextIndex) {
        throw invalid(
            "chunk_index " + chunk.getChunkIndex() + " out of order; expected " + nextIndex);
      }
      if (chunk.getCertificatesCount() > MAX_PER_CHUNK) {
        throw invalid("a chunk carries at most " + MAX_PER_CHUNK + " certificates");
      }
      if (found.size() + chunk.getCertificatesCount() > MAX_PER_SCAN) {
        throw invalid("a scan carries at most " + MAX_PER_SCAN + " certificates");
      }
      int position = found.size();
      for (DiscoveredCertificate c : chunk.getCertificatesList()) {
        StoredCertificate stored = read(c, position++);
        // the same certificate reported twice at one place counts once
        if (places.add(stored.source() + "\n" + stored.location() + "\n" + stored.fingerprint())) {
          found.add(stored);
        }
      }
      nextIndex++;
      if (chunk.getIsLast()) {
        if (chunk.getFilesScanned() < 0
            || chunk.getFilesSkipped() < 0
            || chunk.getServicesProbed() < 0
            || chunk.getServicesWithCertificates() < 0) {
          throw invalid("the last chunk's counts cannot be negative");
        }
        last = chunk;
      }
    }

    @Override
    public void onError(Throwable error) {
      finished = true;
    }

    @Override
    public void onCompleted() {
      if (finished) {
        return;
      }
      try {
        if (scanId == null) {
          throw invalid("the stream carried no chunk");
        }
        if (last == null) {
          throw invalid("the stream ended before the chunk marked is_last");
        }
        Instant now = clock.instant();
        HostCertificates.ScanCounts counts =
            new HostCertificates.ScanCounts(
                last.getFilesScanned(),
                last.getFilesSkipped(),
                last.getServicesProbed(),
                last.getServicesWithCertificates(),
                last.getTruncated());
        jdbi.useTransaction(
            h -> HostCertificates.replaceDiscovered(h, agent.hostId(), scanId, found, counts, now));
        finished = true;
        log.info(
            "event=certificate_scan_stored scan_id={} host_id={} certificates={}",
            scanId,
            agent.hostId(),
            found.size());
        responses.onNext(CertificateScanAck.newBuilder().setReceived(found.size()).build());
        responses.onCompleted();
      } catch (StatusException e) {
        refuse(e);
      } catch (RuntimeException e) {
        log.error("event=certificate_scan_apply_failed scan_id={}", scanId, e);
        refuse(Status.INTERNAL.withDescription("the scan could not be stored").asException());
      }
    }

    private void refuse(StatusException e) {
      finished = true;
      responses.onError(e);
    }
  }

  /** One reported certificate, checked; {@code n} numbers it in messages. */
  static StoredCertificate read(DiscoveredCertificate c, int n) throws StatusException {
    String where = "certificate " + n + ": ";
    if (!FINGERPRINT.matcher(c.getFingerprintSha256()).matches()) {
      throw invalid(where + "fingerprint_sha256 is 64 lower-case hex digits");
    }
    if (!c.getSource().equals("file") && !c.getSource().equals("tls")) {
      throw invalid(where + "source is file or tls");
    }
    text(where + "location", c.getLocation(), true);
    text(where + "subject", c.getSubject(), false);
    text(where + "issuer", c.getIssuer(), false);
    text(where + "key_algorithm", c.getKeyAlgorithm(), false);
    text(where + "signature_algorithm", c.getSignatureAlgorithm(), false);
    if (!SERIAL.matcher(c.getSerialNumber()).matches()) {
      throw invalid(where + "serial_number is lower-case hex");
    }
    if (c.getSansCount() > MAX_SANS) {
      throw invalid(where + "at most " + MAX_SANS + " sans");
    }
    for (String san : c.getSansList()) {
      text(where + "sans", san, true);
      if (san.indexOf('\n') >= 0 || san.indexOf('\r') >= 0) {
        throw invalid(where + "a san cannot hold a line break");
      }
    }
    if (c.getNotAfterUnix() <= 0 || c.getNotBeforeUnix() < 0) {
      throw invalid(where + "not_after must be set and the times cannot be negative");
    }
    if (c.getChainPosition() < 0 || c.getChainPosition() > 100) {
      throw invalid(where + "chain_position is between 0 and 100");
    }
    if (c.getKeySizeBits() < 0 || c.getKeySizeBits() > 65_536) {
      throw invalid(where + "key_size_bits is between 0 and 65536");
    }
    return new StoredCertificate(
        c.getSource(),
        c.getLocation(),
        c.getFingerprintSha256(),
        c.getChainPosition(),
        c.getSubject(),
        c.getIssuer(),
        List.copyOf(c.getSansList()),
        c.getSerialNumber(),
        c.getNotBeforeUnix() == 0
            ? Optional.empty()
            : Optional.of(Instant.ofEpochSecond(c.getNotBeforeUnix())),
        Instant.ofEpochSecond(c.getNotAfterUnix()),
        c.getKeyAlgorithm(),
        c.getKeySizeBits() == 0 ? Optional.empty() : Optional.of(c.getKeySizeBits()),
        c.getSignatureAlgorithm(),
        c.getIsSelfSigned(),
        switch (c.getPrivateKey()) {
          case PRIVATE_KEY_MATCHES -> Optional.of("matches");
          case PRIVATE_KEY_DOES_NOT_MATCH -> Optional.of("does_not_match");
          case PRIVATE_KEY_NOT_FOUND -> Optional.of("not_found");
          case PRIVATE_KEY_UNREADABLE -> Optional.of("unreadable");
          default -> Optional.empty();
        },
        Optional.empty());
  }

  private static void text(String field, String value, boolean required) throws StatusException {
    if (required && value.isBlank()) {
      throw invalid(field + " is empty");
    }
    if (value.getBytes(StandardCharsets.UTF_8).length > MAX_TEXT_BYTES) {
      throw invalid(field + " is longer than " + MAX_TEXT_BYTES + " bytes");
    }
  }

  private static StatusException invalid(String message) {
    return Status.INVALID_ARGUMENT.withDescription(message).asException();
  }
}
