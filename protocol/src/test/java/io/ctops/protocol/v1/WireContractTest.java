package io.ctops.protocol.v1;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.Descriptors.FileDescriptor;
import com.google.protobuf.Descriptors.MethodDescriptor;
import com.google.protobuf.Descriptors.ServiceDescriptor;
import com.google.protobuf.Message;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The agent.v1 contract is shared with agents we did not build: names, numbers and types of fields
 * must never drift. These tests pin a few messages field by field and round-trip every message.
 */
class WireContractTest {
  static final List<FileDescriptor> FILES =
      List.of(
          Common.getDescriptor(),
          Registration.getDescriptor(),
          Heartbeat.getDescriptor(),
          Terminal.getDescriptor(),
          Inventory.getDescriptor(),
          Certificates.getDescriptor(),
          IngestServiceOuterClass.getDescriptor());

  static Stream<Descriptor> allMessages() {
    return FILES.stream().flatMap(file -> file.getMessageTypes().stream());
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("allMessages")
  void everyMessageRoundTripsThroughBytesWithEveryFieldSet(Descriptor descriptor) throws Exception {
    Message.Builder builder = builderFor(descriptor);
    SampleMessages.populate(builder, 1);
    Message original = builder.build();

    Message parsed = builderFor(descriptor).mergeFrom(original.toByteArray()).build();

    assertThat(parsed).isEqualTo(original);
    for (FieldDescriptor field : descriptor.getFields()) {
      if (field.getRealContainingOneof() == null) {
        assertThat(
                field.isRepeated()
                    ? parsed.getRepeatedFieldCount(field) > 0
                    : parsed.hasField(field))
            .as(descriptor.getName() + "." + field.getName() + " survives the round trip")
            .isTrue();
      }
    }
  }

  @Test
  void packageAndServiceAreTheContractsOwn() {
    ServiceDescriptor service =
        IngestServiceOuterClass.getDescriptor().findServiceByName("IngestService");
    assertThat(service.getFullName()).isEqualTo("agent.v1.IngestService");
    assertThat(service.getMethods().stream().map(MethodDescriptor::getName))
        .containsExactly(
            "Register",
            "Heartbeat",
            "Terminal",
            "SubmitSoftwareInventory",
            "RenewCertificate",
            "SubmitCertificates");
    MethodDescriptor heartbeat = service.findMethodByName("Heartbeat");
    assertThat(heartbeat.isClientStreaming()).isTrue();
    assertThat(heartbeat.isServerStreaming()).isTrue();
    MethodDescriptor inventory = service.findMethodByName("SubmitSoftwareInventory");
    assertThat(inventory.isClientStreaming()).isTrue();
    assertThat(inventory.isServerStreaming()).isFalse();
    assertThat(inventory.getInputType().getFullName()).isEqualTo("agent.v1.SoftwareInventoryChunk");
    MethodDescriptor certificates = service.findMethodByName("SubmitCertificates");
    assertThat(certificates.isClientStreaming()).isTrue();
    assertThat(certificates.isServerStreaming()).isFalse();
    assertThat(certificates.getInputType().getFullName())
        .isEqualTo("agent.v1.CertificateScanChunk");
  }

  @Test
  void registerRequestMatchesTheContract() {
    assertFields(
        RegisterRequest.getDescriptor(),
        Map.of(
            "org_token", "1 STRING",
            "public_key", "2 STRING",
            "platform_info", "3 MESSAGE agent.v1.PlatformInfo",
            "agent_info", "4 MESSAGE agent.v1.AgentInfo",
            "tags", "5 repeated MESSAGE agent.v1.Tag",
            "csr_der", "6 BYTES"));
  }

  @Test
  void heartbeatRequestMatchesTheContractAndOurAdditionsStartAt100() {
    Descriptor request = HeartbeatRequest.getDescriptor();
    assertFields(
        request,
        Map.ofEntries(
            Map.entry("agent_id", "1 STRING"),
            Map.entry("cpu_percent", "2 FLOAT"),
            Map.entry("memory_percent", "3 FLOAT"),
            Map.entry("disk_percent", "4 FLOAT"),
            Map.entry("uptime_seconds", "5 INT64"),
            Map.entry("timestamp_unix", "6 INT64"),
            Map.entry("disks", "9 repeated MESSAGE agent.v1.DiskInfo"),
            Map.entry("check_results", "13 repeated MESSAGE agent.v1.CheckResult"),
            Map.entry("task_results", "16 repeated MESSAGE agent.v1.AgentTaskResult"),
            Map.entry("pinned_server_cert_fingerprint", "17 STRING"),
            Map.entry("samples", "100 repeated MESSAGE agent.v1.BufferedSample"),
            Map.entry("net_rx_bytes_per_sec", "101 UINT64"),
            Map.entry("net_tx_bytes_per_sec", "102 UINT64")));
    assertThat(request.getFields()).hasSize(20);
  }

  @Test
  void heartbeatResponseMatchesTheContract() {
    assertFields(
        HeartbeatResponse.getDescriptor(),
        Map.ofEntries(
            Map.entry("ok", "1 BOOL"),
            Map.entry("command_payload", "3 BYTES"),
            Map.entry("update_available", "5 BOOL"),
            Map.entry("pending_task", "9 MESSAGE agent.v1.AgentTask"),
            Map.entry("cancel_task_ids", "10 repeated STRING"),
            Map.entry(
                "pending_terminal_sessions", "11 repeated MESSAGE agent.v1.TerminalSessionRequest"),
            Map.entry("pending_client_cert_not_after_unix", "14 INT64"),
            Map.entry("pending_server_cert_pem", "16 STRING"),
            Map.entry("acked_through_unix", "100 INT64")));
  }

  @Test
  void terminalMessagesUseOneofPayloads() {
    Descriptor agentMessage = TerminalAgentMessage.getDescriptor();
    assertThat(agentMessage.getOneofs()).hasSize(1);
    assertFields(
        agentMessage,
        Map.of(
            "session_id",
            "1 STRING",
            "output",
            "2 BYTES",
            "closed",
            "3 MESSAGE agent.v1.TerminalClosedMsg"));
    assertFields(
        TerminalServerMessage.getDescriptor(),
        Map.of(
            "session_id", "1 STRING",
            "input", "2 BYTES",
            "resize", "3 MESSAGE agent.v1.TerminalResizeMsg",
            "close", "4 BOOL"));
    assertFields(
        SoftwarePackage.getDescriptor(),
        Map.of(
            "name", "1 STRING",
            "version", "2 STRING",
            "architecture", "3 STRING",
            "publisher", "4 STRING",
            "install_date_unix", "5 INT64"));
  }

  private static void assertFields(Descriptor descriptor, Map<String, String> expected) {
    expected.forEach(
        (name, shape) -> {
          FieldDescriptor field = descriptor.findFieldByName(name);
          assertThat(field).as(descriptor.getName() + "." + name).isNotNull();
          String actual =
              field.getNumber()
                  + (field.isRepeated() ? " repeated " : " ")
                  + field.getType()
                  + (field.getType() == FieldDescriptor.Type.MESSAGE
                      ? " " + field.getMessageType().getFullName()
                      : "");
          assertThat(actual).as(descriptor.getName() + "." + name).isEqualTo(shape);
        });
  }

  static Message.Builder builderFor(Descriptor descriptor) throws Exception {
    Class<?> type = Class.forName("io.ctops.protocol.v1." + descriptor.getName());
    return (Message.Builder) type.getMethod("newBuilder").invoke(null);
  }
}
