package io.ctops.server.roles;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Message;
import io.ctops.protocol.v1.AgentInfo;
import io.ctops.protocol.v1.AgentQueryResult;
import io.ctops.protocol.v1.AgentTaskProgress;
import io.ctops.protocol.v1.AgentTaskResult;
import io.ctops.protocol.v1.CheckResult;
import io.ctops.protocol.v1.DiskInfo;
import io.ctops.protocol.v1.HeartbeatRequest;
import io.ctops.protocol.v1.IngestServiceGrpc;
import io.ctops.protocol.v1.NetworkInterface;
import io.ctops.protocol.v1.PortInfo;
import io.ctops.protocol.v1.RegisterRequest;
import io.ctops.protocol.v1.RegisterResponse;
import io.ctops.protocol.v1.RenewCertificateRequest;
import io.ctops.protocol.v1.ServiceInfo;
import io.ctops.protocol.v1.SoftwareInventoryChunk;
import io.ctops.protocol.v1.SoftwarePackage;
import io.ctops.protocol.v1.Tag;
import io.ctops.server.inventory.SoftwareScans;
import io.ctops.server.platform.config.DatabaseUrl;
import io.ctops.server.testing.FreshDatabase;
import io.ctops.server.testing.HeartbeatClient;
import io.ctops.server.testing.IngestFixture;
import io.ctops.server.testing.TestAgent;
import io.grpc.Status;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.function.BiPredicate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Every string field of every message an agent sends, in every RPC, with each hostile value: the
 * answer is never a server error ({@code INTERNAL}, {@code UNKNOWN}) nor a stack trace nor an echo
 * of the value, and a refused message changes no row (counted by triggers on every table).
 */
@ExtendWith(FreshDatabase.class)
class HostileAgentInputTest {
  /** Longer than two vitals flushes: whatever a call makes other threads write has landed. */
  private static final Duration QUIET = Duration.ofMillis(120);

  private static final int DESCRIPTION_LIMIT = 1024;

  /** What an attacker (or a broken agent) may put into any string field. */
  enum Hostile {
    NUL("before\u0000after"),
    LONG_100_KB("x".repeat(100_000)),
    INVALID_UTF8(null),
    SQL("' OR 1=1 --"),
    HTML("<script>alert(1)</script>");

    private final String text;

    Hostile(String text) {
      this.text = text;
    }

    byte[] encode(StringFields field, Message base) {
      return text == null ? field.withInvalidUtf8(base) : field.with(base, text).toByteArray();
    }
  }

  private IngestFixture ingest;
  private RowChanges rows;
  private final List<String> problems = new ArrayList<>();

  @BeforeEach
  void start(DatabaseUrl database) {
    ingest = IngestFixture.start(database);
    rows = RowChanges.install(ingest.jdbi());
  }

  @AfterEach
  void stop() {
    ingest.close();
  }

  @Test
  void registerAnswersEveryHostileFieldCleanly() {
    String token = ingest.token(true);
    int n = 0;
    for (StringFields field : fieldsOf(RegisterRequest.getDescriptor())) {
      for (Hostile value : Hostile.values()) {
        n++;
        TestAgent agent = new TestAgent("hostile-" + n, "10.66." + n / 200 + "." + (n % 200 + 1));
        RegisterRequest base =
            agent.request(token).addTags(Tag.newBuilder().setKey("env").setValue("lab")).build();
        Map<String, Long> before = rows.settled(QUIET);
        Status status =
            new RawCalls(ingest.channel(), null)
                .unary(IngestServiceGrpc.getRegisterMethod(), value.encode(field, base));
        judge("Register " + field.name() + " = " + value, status, before, Set.of());
      }
    }
    assertThat(problems).isEmpty();
  }

  @Test
  void heartbeatAnswersEveryHostileFieldOfAFirstMessageCleanly() {
    RegisterResponse agent = ingest.registerActive(new TestAgent("hb-first", "10.0.0.9"));
    notDueForAScan();
    for (StringFields field : fieldsOf(HeartbeatRequest.getDescriptor())) {
      for (Hostile value : Hostile.values()) {
        Map<String, Long> before = rows.settled(QUIET);
        RawCalls.Stream stream =
            new RawCalls(ingest.channel(), agent.getJwtToken())
                .stream(IngestServiceGrpc.getHeartbeatMethod());
        stream.send(value.encode(field, heartbeat()));
        Status status = stream.answerOrEnd(Duration.ofSeconds(15));
        stream.halfClose();
        stream.end(Duration.ofSeconds(15));
        judge("Heartbeat (first) " + field.name() + " = " + value, status, before, Set.of());
      }
    }
    assertThat(problems).isEmpty();
  }

  /**
   * A refused later message ends the stream, and a host whose stream ends goes offline, as for any
   * stream that ends: its {@code hosts} row, the status copy in {@code host_vitals}, its {@code
   * agents} row and a line of {@code agent_status_history} change. Nothing else may.
   */
  @Test
  void heartbeatAnswersEveryHostileFieldOfALaterMessageCleanly() {
    RegisterResponse agent = ingest.registerActive(new TestAgent("hb-later", "10.0.0.10"));
    notDueForAScan();
    for (StringFields field : fieldsOf(HeartbeatRequest.getDescriptor())) {
      for (Hostile value : Hostile.values()) {
        RawCalls.Stream stream =
            new RawCalls(ingest.channel(), agent.getJwtToken())
                .stream(IngestServiceGrpc.getHeartbeatMethod());
        stream.send(heartbeat().toByteArray());
        Status first = stream.answerOrEnd(Duration.ofSeconds(15));
        assertThat(first.isOk()).as("the valid first message is answered: %s", first).isTrue();
        Map<String, Long> before = rows.settled(QUIET);
        stream.send(value.encode(field, heartbeat()));
        Status status = stream.answerOrEnd(Duration.ofSeconds(15));
        stream.halfClose();
        stream.end(Duration.ofSeconds(15));
        judge(
            "Heartbeat (later) " + field.name() + " = " + value,
            status,
            before,
            Set.of("hosts", "host_vitals", "agents", "agent_status_history"));
      }
    }
    assertThat(problems).isEmpty();
  }

  /**
   * A refused first chunk fails its scan at once, recording why in the scan's own row ({@code
   * software_scans}); no package changes. Only a first chunk that names no scan (a hostile {@code
   * scan_id}, or bytes that do not parse at all) cannot: its scan is failed by the agent's task
   * result, or times out.
   */
  @Test
  void softwareInventoryAnswersEveryHostileFieldOfAFirstChunkCleanly() {
    inventoryCases(
        false, (field, value) -> !field.name().equals("scan_id") && value != Hostile.INVALID_UTF8);
  }

  /** A refused later chunk always fails the scan under way, with the reason. */
  @Test
  void softwareInventoryAnswersEveryHostileFieldOfALaterChunkCleanly() {
    inventoryCases(true, (field, value) -> true);
  }

  private void inventoryCases(
      boolean afterAGoodChunk, BiPredicate<StringFields, Hostile> refusalFailsTheScan) {
    RegisterResponse agent = ingest.registerActive(new TestAgent("inv-host", "10.0.0.11"));
    UUID hostId = UUID.fromString(ingest.string("SELECT CAST(id AS text) FROM hosts"));
    UUID orgId = UUID.fromString(ingest.string("SELECT CAST(org_id AS text) FROM hosts"));
    SoftwareScans scans = new SoftwareScans(ingest.jdbi(), Clock.systemUTC());
    for (StringFields field : fieldsOf(SoftwareInventoryChunk.getDescriptor())) {
      for (Hostile value : Hostile.values()) {
        UUID scan = scans.queue(orgId, hostId);
        List<byte[]> chunks = new ArrayList<>();
        if (afterAGoodChunk) {
          chunks.add(chunk(scan, 0, false).toByteArray());
        }
        chunks.add(value.encode(field, chunk(scan, chunks.size(), true)));
        Map<String, Long> before = rows.settled(QUIET);
        Status status =
            new RawCalls(ingest.channel(), agent.getJwtToken())
                .clientStreaming(
                    IngestServiceGrpc.getSubmitSoftwareInventoryMethod(),
                    chunks.toArray(byte[][]::new));
        String what =
            "SubmitSoftwareInventory ("
                + (afterAGoodChunk ? "later" : "first")
                + " chunk) "
                + field.name()
                + " = "
                + value;
        judge(what, status, before, Set.of("software_scans"));
        String outcome = scanOutcome(scan);
        if (status.isOk() && !outcome.startsWith("completed")) {
          problems.add(what + ": accepted, but the scan is " + outcome);
        }
        if (!status.isOk()
            && refusalFailsTheScan.test(field, value)
            && !outcome.matches("failed: \\S.*")) {
          problems.add(what + ": refused, but the scan is " + outcome);
        }
        if (outcome.startsWith("queued") || outcome.startsWith("running")) {
          scans.fail(scan, "ended by the test");
        }
      }
    }
    assertThat(problems).isEmpty();
  }

  @Test
  void aRefusedChunkFailsItsScanWithTheReasonAtOnce() {
    RegisterResponse agent = ingest.registerActive(new TestAgent("reason-host", "10.0.0.15"));
    UUID hostId = UUID.fromString(ingest.string("SELECT CAST(id AS text) FROM hosts"));
    UUID orgId = UUID.fromString(ingest.string("SELECT CAST(org_id AS text) FROM hosts"));
    SoftwareScans scans = new SoftwareScans(ingest.jdbi(), Clock.systemUTC());
    StringFields name =
        fieldsOf(SoftwareInventoryChunk.getDescriptor()).stream()
            .filter(f -> f.name().equals("packages.name"))
            .findFirst()
            .orElseThrow();
    RawCalls calls = new RawCalls(ingest.channel(), agent.getJwtToken());

    UUID nul = scans.queue(orgId, hostId);
    Status refusedNul =
        calls.clientStreaming(
            IngestServiceGrpc.getSubmitSoftwareInventoryMethod(),
            chunk(nul, 0, false).toByteArray(),
            name.with(chunk(nul, 1, true), "evil\0name").toByteArray());
    UUID unparsable = scans.queue(orgId, hostId);
    Status refusedBytes =
        calls.clientStreaming(
            IngestServiceGrpc.getSubmitSoftwareInventoryMethod(),
            chunk(unparsable, 0, false).toByteArray(),
            name.withInvalidUtf8(chunk(unparsable, 1, true)));

    assertThat(refusedNul.getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
    assertThat(scanOutcome(nul)).isEqualTo("failed: packages[0].name contains a NUL character");
    assertThat(refusedBytes.getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
    assertThat(scanOutcome(unparsable))
        .isEqualTo(
            "failed: the message is not a valid agent.v1.SoftwareInventoryChunk: a text field"
                + " holds bytes that are not UTF-8");
    assertThat(ingest.count("SELECT count(*) FROM software_packages")).isZero();
  }

  private String scanOutcome(UUID scan) {
    return ingest.string(
        "SELECT status || ': ' || coalesce(error, '') FROM software_scans WHERE id = '"
            + scan
            + "'");
  }

  @Test
  void renewCertificateAnswersEveryHostileFieldCleanly() {
    TestAgent agent = new TestAgent("renew-host", "10.0.0.12");
    RegisterResponse registered = ingest.registerActive(agent);
    RenewCertificateRequest base =
        RenewCertificateRequest.newBuilder()
            .setAgentId(registered.getAgentId())
            .setCsrDer(ByteString.copyFrom(TestAgent.csr(agent.keys)))
            .build();
    for (StringFields field : fieldsOf(RenewCertificateRequest.getDescriptor())) {
      for (Hostile value : Hostile.values()) {
        Map<String, Long> before = rows.settled(QUIET);
        Status status =
            new RawCalls(ingest.channel(), registered.getJwtToken())
                .unary(IngestServiceGrpc.getRenewCertificateMethod(), value.encode(field, base));
        judge("RenewCertificate " + field.name() + " = " + value, status, before, Set.of());
      }
    }
    assertThat(problems).isEmpty();
  }

  @Test
  void aNulIsRefusedNamingTheFieldItIsIn() {
    RegisterRequest request =
        new TestAgent("nul-host", "10.0.0.13")
            .request(ingest.token(true))
            .setAgentInfo(AgentInfo.newBuilder().setHostname("nul-host").setVersion("1.0\u0000"))
            .build();

    Status status =
        new RawCalls(ingest.channel(), null)
            .unary(IngestServiceGrpc.getRegisterMethod(), request.toByteArray());

    assertThat(status.getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
    assertThat(status.getDescription()).isEqualTo("agent_info.version contains a NUL character");
    assertThat(ingest.count("SELECT count(*) FROM hosts")).isZero();
  }

  @Test
  void bytesThatAreNotUtf8AreRefusedAsInvalidArgument() {
    RegisterRequest request =
        new TestAgent("utf8-host", "10.0.0.14").request(ingest.token(true)).build();
    StringFields hostname =
        fieldsOf(RegisterRequest.getDescriptor()).stream()
            .filter(f -> f.name().equals("agent_info.hostname"))
            .findFirst()
            .orElseThrow();

    Status status =
        new RawCalls(ingest.channel(), null)
            .unary(IngestServiceGrpc.getRegisterMethod(), hostname.withInvalidUtf8(request));

    assertThat(status.getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
    assertThat(status.getDescription())
        .isEqualTo(
            "the message is not a valid agent.v1.RegisterRequest: a text field holds bytes"
                + " that are not UTF-8");
    assertThat(ingest.count("SELECT count(*) FROM hosts")).isZero();
  }

  private static List<StringFields> fieldsOf(Descriptor type) {
    List<StringFields> fields = StringFields.of(type);
    assertThat(fields).as("string fields of %s", type.getFullName()).isNotEmpty();
    return fields;
  }

  private void judge(String what, Status status, Map<String, Long> before, Set<String> ignored) {
    String description = String.valueOf(status.getDescription());
    if (status.getCode() == Status.Code.INTERNAL
        || status.getCode() == Status.Code.UNKNOWN
        || status.getCode() == Status.Code.DEADLINE_EXCEEDED) {
      problems.add(what + ": " + status.getCode() + " " + shorten(description));
    }
    if (description.contains("\tat ") || description.contains("Exception")) {
      problems.add(what + ": the description holds a stack trace: " + shorten(description));
    }
    if (description.length() > DESCRIPTION_LIMIT) {
      problems.add(what + ": a description of " + description.length() + " characters");
    }
    if (!status.isOk()) {
      Map<String, Long> changed = RowChanges.changed(before, rows.settled(QUIET), ignored);
      if (!changed.isEmpty()) {
        problems.add(what + ": refused (" + status.getCode() + ") but changed rows " + changed);
      }
    }
  }

  private static String shorten(String text) {
    return text.length() > 200 ? text.substring(0, 200) + "…" : text;
  }

  /** Keeps the periodic scan sweep away from the host, so it writes nothing during a case. */
  private void notDueForAScan() {
    ingest
        .jdbi()
        .useHandle(
            h ->
                h.execute(
                    "INSERT INTO software_scans (org_id, host_id, status, queued_at, finished_at)"
                        + " SELECT org_id, id, 'completed', now(), now() FROM hosts"));
  }

  /** A heartbeat that fills every kind of field there is, each with an ordinary value. */
  private static HeartbeatRequest heartbeat() {
    return HeartbeatClient.vitals(12, 34, 56)
        .addDisks(
            DiskInfo.newBuilder()
                .setMountPoint("/")
                .setDevice("/dev/sda1")
                .setFsType("ext4")
                .setTotalBytes(100)
                .setUsedBytes(56)
                .setFreeBytes(44)
                .setPercentUsed(56))
        .addNetworkInterfaces(
            NetworkInterface.newBuilder()
                .setName("eth0")
                .addIpAddresses("10.0.0.9")
                .setMacAddress("00:11:22:33:44:55")
                .setIsUp(true))
        .addCheckResults(
            CheckResult.newBuilder()
                .setCheckId("disk")
                .setStatus("pass")
                .setOutput("ok")
                .setDurationMs(3))
        .addQueryResults(
            AgentQueryResult.newBuilder()
                .setQueryId("q1")
                .setQueryType("list_ports")
                .setStatus("ok")
                .addPorts(PortInfo.newBuilder().setPort(22).setProtocol("tcp").setProcess("sshd"))
                .addServices(
                    ServiceInfo.newBuilder()
                        .setName("ssh")
                        .setLoadState("loaded")
                        .setActiveSub("running")))
        .addTaskProgress(
            AgentTaskProgress.newBuilder()
                .setTaskId(UUID.randomUUID().toString())
                .setOutputChunk("working"))
        .addTaskResults(
            AgentTaskResult.newBuilder()
                .setTaskId(UUID.randomUUID().toString())
                .setTaskType("software_inventory")
                .setResultJson("{}"))
        .build();
  }

  private static SoftwareInventoryChunk chunk(UUID scan, int index, boolean last) {
    return SoftwareInventoryChunk.newBuilder()
        .setScanId(scan.toString())
        .setSource("dpkg")
        .setChunkIndex(index)
        .setIsLast(last)
        .addPackages(
            SoftwarePackage.newBuilder()
                .setName("bash")
                .setVersion("5.2")
                .setArchitecture("amd64")
                .setPublisher("Debian"))
        .build();
  }
}
