package io.ctops.server.inventory;

import static org.assertj.core.api.Assertions.assertThat;

import io.ctops.protocol.v1.RegisterResponse;
import io.ctops.protocol.v1.SoftwareInventoryAck;
import io.ctops.protocol.v1.SoftwareInventoryChunk;
import io.ctops.protocol.v1.SoftwarePackage;
import io.ctops.server.platform.config.DatabaseUrl;
import io.ctops.server.roles.TaskTypesOfThisRelease;
import io.ctops.server.tasks.TaskTimeouts;
import io.ctops.server.testing.FreshDatabase;
import io.ctops.server.testing.IngestFixture;
import io.ctops.server.testing.TestAgent;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** SubmitSoftwareInventory over real TLS into the real database. */
@ExtendWith(FreshDatabase.class)
class InventoryUploadTest {
  private IngestFixture ingest;
  private RegisterResponse agent;
  private UUID hostId;
  private UUID orgId;
  private SoftwareScans scans;

  @BeforeEach
  void start(DatabaseUrl database) {
    ingest = IngestFixture.start(database);
    agent = ingest.registerActive(new TestAgent("pkg-host", "10.0.9.1"));
    hostId = UUID.fromString(ingest.string("SELECT CAST(id AS text) FROM hosts"));
    orgId = UUID.fromString(ingest.string("SELECT CAST(org_id AS text) FROM hosts"));
    scans = new SoftwareScans(ingest.jdbi(), Clock.systemUTC());
  }

  @AfterEach
  void stop() {
    ingest.close();
  }

  private static SoftwarePackage pkg(String name, String version) {
    return SoftwarePackage.newBuilder()
        .setName(name)
        .setVersion(version)
        .setArchitecture("amd64")
        .setPublisher("Example <pkg@example.org>")
        .setInstallDateUnix(1_700_000_000L)
        .build();
  }

  private static SoftwareInventoryChunk.Builder chunk(
      UUID scan, int index, boolean last, List<SoftwarePackage> packages) {
    return SoftwareInventoryChunk.newBuilder()
        .setScanId(scan.toString())
        .setSource("dpkg")
        .setChunkIndex(index)
        .setIsLast(last)
        .addAllPackages(packages);
  }

  /** Sends the chunks on one stream and returns the answer (or the error). */
  private CompletableFuture<SoftwareInventoryAck> upload(List<SoftwareInventoryChunk> chunks) {
    CompletableFuture<SoftwareInventoryAck> answer = new CompletableFuture<>();
    StreamObserver<SoftwareInventoryChunk> stream =
        ingest
            .withJwt(ingest.channel(), agent.getJwtToken())
            .submitSoftwareInventory(
                new StreamObserver<>() {
                  @Override
                  public void onNext(SoftwareInventoryAck value) {
                    answer.complete(value);
                  }

                  @Override
                  public void onError(Throwable t) {
                    answer.completeExceptionally(t);
                  }

                  @Override
                  public void onCompleted() {}
                });
    chunks.forEach(stream::onNext);
    stream.onCompleted();
    return answer;
  }

  private Status.Code refusal(List<SoftwareInventoryChunk> chunks) {
    try {
      upload(chunks).get(30, TimeUnit.SECONDS);
      return Status.Code.OK;
    } catch (ExecutionException e) {
      return Status.fromThrowable(e.getCause()).getCode();
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }

  private List<SoftwarePackage> packages(String prefix, int count) {
    List<SoftwarePackage> list = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      list.add(pkg(prefix + i, "1." + i));
    }
    return list;
  }

  @Test
  void storesAScanInChunksThenMarksRemovedAndBackAgain() throws Exception {
    UUID first = scans.queue(orgId, hostId);
    assertThat(scans.queue(orgId, hostId)).as("one scan under way per host").isEqualTo(first);
    SoftwareInventoryAck ack =
        upload(
                List.of(
                    chunk(first, 0, false, packages("lib", 500)).build(),
                    chunk(first, 1, true, List.of(pkg("bash", "5.2"), pkg("curl", "8.0"))).build()))
            .get(30, TimeUnit.SECONDS);
    assertThat(ack.getReceived()).isEqualTo(502);
    assertThat(ingest.count("SELECT count(*) FROM software_packages WHERE removed_at IS NULL"))
        .isEqualTo(502);
    assertThat(
            ingest.string(
                "SELECT status || ' ' || package_count || ' ' || source FROM software_scans"))
        .isEqualTo("completed 502 dpkg");
    String firstSeen =
        ingest.string("SELECT CAST(first_seen AS text) FROM software_packages WHERE name = 'bash'");

    UUID second = scans.queue(orgId, hostId);
    upload(List.of(chunk(second, 0, true, List.of(pkg("bash", "5.2"))).build()))
        .get(30, TimeUnit.SECONDS);
    assertThat(ingest.count("SELECT count(*) FROM software_packages WHERE removed_at IS NOT NULL"))
        .isEqualTo(501);
    assertThat(
            ingest.string(
                "SELECT CAST(first_seen AS text) FROM software_packages WHERE name = 'bash'"))
        .isEqualTo(firstSeen);

    UUID third = scans.queue(orgId, hostId);
    upload(List.of(chunk(third, 0, true, List.of(pkg("bash", "5.2"), pkg("curl", "8.0"))).build()))
        .get(30, TimeUnit.SECONDS);
    assertThat(
            ingest.string(
                "SELECT CAST(removed_at IS NULL AS text) FROM software_packages WHERE name = 'curl'"))
        .isEqualTo("true");
  }

  @Test
  void refusedChunksFailTheScanAndChangeNoPackage() throws Exception {
    UUID seed = scans.queue(orgId, hostId);
    upload(List.of(chunk(seed, 0, true, List.of(pkg("bash", "5.2"))).build()))
        .get(30, TimeUnit.SECONDS);

    record Case(
        String what, Status.Code code, Function<UUID, List<SoftwareInventoryChunk>> chunks) {}
    List<Case> cases =
        List.of(
            new Case(
                "more than 500 packages",
                Status.Code.INVALID_ARGUMENT,
                s -> List.of(chunk(s, 0, true, packages("x", 501)).build())),
            new Case(
                "an empty name",
                Status.Code.INVALID_ARGUMENT,
                s -> List.of(chunk(s, 0, true, List.of(pkg("", "1"))).build())),
            new Case(
                "a string over 1,024 bytes",
                Status.Code.INVALID_ARGUMENT,
                s -> List.of(chunk(s, 0, true, List.of(pkg("p", "1".repeat(1025)))).build())),
            new Case(
                "chunks out of order",
                Status.Code.INVALID_ARGUMENT,
                s ->
                    List.of(
                        chunk(s, 0, false, List.of()).build(),
                        chunk(s, 2, true, List.of()).build())),
            new Case(
                "a repeated chunk index",
                Status.Code.INVALID_ARGUMENT,
                s ->
                    List.of(
                        chunk(s, 0, false, List.of()).build(),
                        chunk(s, 0, true, List.of()).build())),
            new Case(
                "a chunk after is_last",
                Status.Code.INVALID_ARGUMENT,
                s ->
                    List.of(
                        chunk(s, 0, true, List.of()).build(),
                        chunk(s, 1, true, List.of()).build())),
            new Case(
                "no is_last",
                Status.Code.INVALID_ARGUMENT,
                s -> List.of(chunk(s, 0, false, packages("y", 3)).build())),
            new Case(
                "an unknown source",
                Status.Code.INVALID_ARGUMENT,
                s -> List.of(chunk(s, 0, true, List.of()).setSource("msi").build())),
            new Case(
                "an unknown scan id",
                Status.Code.NOT_FOUND,
                s -> List.of(chunk(UUID.randomUUID(), 0, true, List.of()).build())));
    for (Case c : cases) {
      UUID scan = scans.queue(orgId, hostId);
      assertThat(refusal(c.chunks().apply(scan))).as(c.what()).isEqualTo(c.code());
      if (c.code() == Status.Code.NOT_FOUND) {
        scans.fail(scan, "test cleanup");
      }
      assertThat(ingest.string("SELECT status FROM software_scans WHERE id = '" + scan + "'"))
          .as(c.what())
          .isEqualTo("failed");
      assertThat(ingest.count("SELECT count(*) FROM software_packages")).as(c.what()).isEqualTo(1);
      assertThat(ingest.count("SELECT count(*) FROM software_packages WHERE removed_at IS NULL"))
          .as(c.what())
          .isEqualTo(1);
    }

    // a scan of another host is not this agent's
    RegisterResponse other = ingest.registerActive(new TestAgent("other-host", "10.0.9.2"));
    UUID otherHost =
        UUID.fromString(
            ingest.string("SELECT CAST(id AS text) FROM hosts WHERE hostname = 'other-host'"));
    UUID foreign = scans.queue(orgId, otherHost);
    assertThat(refusal(List.of(chunk(foreign, 0, true, List.of(pkg("evil", "1"))).build())))
        .isEqualTo(Status.Code.NOT_FOUND);
    assertThat(ingest.string("SELECT status FROM software_scans WHERE id = '" + foreign + "'"))
        .isEqualTo("queued");
    assertThat(other.getJwtToken()).isNotEmpty();
  }

  @Test
  void aScanWhoseChunksStopArrivingFailsAndChangesNothing() {
    UUID scan = scans.queue(orgId, hostId);
    assertThat(
            new TaskTimeouts(
                    ingest.jdbi(),
                    TaskTypesOfThisRelease.all(),
                    Clock.offset(Clock.systemUTC(), Duration.ofMinutes(31)))
                .sweep())
        .isEqualTo(1);
    assertThat(ingest.string("SELECT status FROM software_scans WHERE id = '" + scan + "'"))
        .isEqualTo("failed");
    assertThat(refusal(List.of(chunk(scan, 0, true, List.of(pkg("late", "1"))).build())))
        .isEqualTo(Status.Code.FAILED_PRECONDITION);
    assertThat(ingest.count("SELECT count(*) FROM software_packages")).isZero();
  }

  @Test
  void twentyThousandPackagesAreStoredInOneScan() throws Exception {
    UUID scan = scans.queue(orgId, hostId);
    List<SoftwareInventoryChunk> chunks = new ArrayList<>();
    for (int i = 0; i < 40; i++) {
      chunks.add(chunk(scan, i, i == 39, packages("p" + i + "-", 500)).build());
    }
    long started = System.nanoTime();
    assertThat(upload(chunks).get(60, TimeUnit.SECONDS).getReceived()).isEqualTo(20_000);
    System.out.printf(
        "20,000-package scan stored in %d ms%n", (System.nanoTime() - started) / 1_000_000);
    assertThat(ingest.count("SELECT count(*) FROM software_packages")).isEqualTo(20_000);
  }
}
