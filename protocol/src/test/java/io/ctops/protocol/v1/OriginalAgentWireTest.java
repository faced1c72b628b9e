package io.ctops.protocol.v1;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.CodedInputStream;
import com.google.protobuf.DescriptorProtos.FileDescriptorProto;
import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.DescriptorValidationException;
import com.google.protobuf.Descriptors.EnumDescriptor;
import com.google.protobuf.Descriptors.EnumValueDescriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.Descriptors.FileDescriptor;
import com.google.protobuf.Descriptors.MethodDescriptor;
import com.google.protobuf.Descriptors.ServiceDescriptor;
import com.google.protobuf.DynamicMessage;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Agents in the field were built from the original CT-Ops {@code .proto} files, and their binaries
 * carry those files' descriptors. These tests read the descriptors out of the original agent's
 * binary ({@code ../shared/compat/original-agent/ctops-agent}, or {@code CTOPS_ORIGINAL_AGENT}) and
 * hold ours to them: each of their messages, fields, enum values and methods is ours with the same
 * number, name and type; and a message of each kind, encoded as they encode it, decodes into our
 * classes with nothing left unknown and encodes back to the same message.
 */
class OriginalAgentWireTest {
  private static final List<FileDescriptor> THEIRS = theirFiles();
  private static final Map<String, Descriptor> OURS = byFullName(WireContractTest.FILES);

  static Stream<Descriptor> theirMessages() {
    return THEIRS.stream().flatMap(file -> file.getMessageTypes().stream());
  }

  @Test
  void theBinaryCarriesTheContractsFiles() {
    assertThat(THEIRS).extracting(FileDescriptor::getPackage).containsOnly("agent.v1");
    assertThat(theirMessages().map(Descriptor::getName))
        .contains("RegisterRequest", "HeartbeatRequest", "HeartbeatResponse", "AgentTaskResult");
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("theirMessages")
  void eachOfTheirFieldsIsOursWithTheSameNumberNameAndType(Descriptor theirs) {
    assertSameShape(theirs, OURS.get(theirs.getFullName()));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("theirMessages")
  void aMessageAsTheyEncodeItDecodesIntoOursWithNothingUnknown(Descriptor theirs) throws Exception {
    DynamicMessage.Builder builder = DynamicMessage.newBuilder(theirs);
    SampleMessages.populate(builder, 3);
    DynamicMessage sent = builder.build();

    Message decoded =
        WireContractTest.builderFor(OURS.get(theirs.getFullName()))
            .mergeFrom(sent.toByteArray())
            .build();

    assertNothingUnknown(decoded, theirs.getName());
    assertThat(DynamicMessage.parseFrom(theirs, decoded.toByteArray())).isEqualTo(sent);
  }

  @Test
  void theirServiceIsOursMethodByMethod() {
    Map<String, ServiceDescriptor> ours = new LinkedHashMap<>();
    WireContractTest.FILES.forEach(
        file -> file.getServices().forEach(s -> ours.put(s.getFullName(), s)));
    List<ServiceDescriptor> services =
        THEIRS.stream().flatMap(file -> file.getServices().stream()).toList();
    assertThat(services).isNotEmpty();
    for (ServiceDescriptor service : services) {
      ServiceDescriptor our = ours.get(service.getFullName());
      assertThat(our).as("service " + service.getFullName()).isNotNull();
      for (MethodDescriptor method : service.getMethods()) {
        MethodDescriptor same = our.findMethodByName(method.getName());
        String where = service.getName() + "." + method.getName();
        assertThat(same).as(where).isNotNull();
        assertThat(same.getInputType().getFullName())
            .as(where + " input")
            .isEqualTo(method.getInputType().getFullName());
        assertThat(same.getOutputType().getFullName())
            .as(where + " output")
            .isEqualTo(method.getOutputType().getFullName());
        assertThat(same.isClientStreaming())
            .as(where + " client streaming")
            .isEqualTo(method.isClientStreaming());
        assertThat(same.isServerStreaming())
            .as(where + " server streaming")
            .isEqualTo(method.isServerStreaming());
      }
    }
  }

  private static void assertSameShape(Descriptor theirs, Descriptor ours) {
    assertThat(ours).as("message " + theirs.getFullName() + " exists in ours").isNotNull();
    for (FieldDescriptor field : theirs.getFields()) {
      String where = theirs.getName() + "." + field.getName() + " = " + field.getNumber();
      FieldDescriptor same = ours.findFieldByNumber(field.getNumber());
      assertThat(same).as(where + " exists in ours").isNotNull();
      assertThat(same.getName()).as(where + " name").isEqualTo(field.getName());
      assertThat(same.getType()).as(where + " type").isEqualTo(field.getType());
      assertThat(same.isRepeated()).as(where + " repeated").isEqualTo(field.isRepeated());
      if (field.getType() == FieldDescriptor.Type.MESSAGE) {
        assertThat(same.getMessageType().getFullName())
            .as(where + " message type")
            .isEqualTo(field.getMessageType().getFullName());
      }
      if (field.getType() == FieldDescriptor.Type.ENUM) {
        assertSameValues(field.getEnumType(), same.getEnumType());
      }
    }
    for (Descriptor nested : theirs.getNestedTypes()) {
      assertSameShape(nested, ours.findNestedTypeByName(nested.getName()));
    }
  }

  private static void assertSameValues(EnumDescriptor theirs, EnumDescriptor ours) {
    assertThat(ours.getFullName()).isEqualTo(theirs.getFullName());
    for (EnumValueDescriptor value : theirs.getValues()) {
      assertThat(ours.findValueByNumber(value.getNumber()))
          .as(theirs.getName() + " " + value.getNumber())
          .isNotNull()
          .extracting(EnumValueDescriptor::getName)
          .isEqualTo(value.getName());
    }
  }

  private static void assertNothingUnknown(Message message, String where) {
    assertThat(message.getUnknownFields().asMap()).as(where + " unknown fields").isEmpty();
    message
        .getAllFields()
        .forEach(
            (field, value) -> {
              if (field.getJavaType() != FieldDescriptor.JavaType.MESSAGE) {
                return;
              }
              List<?> values = field.isRepeated() ? (List<?>) value : List.of(value);
              for (Object child : values) {
                assertNothingUnknown((Message) child, where + "." + field.getName());
              }
            });
  }

  private static Map<String, Descriptor> byFullName(List<FileDescriptor> files) {
    Map<String, Descriptor> messages = new LinkedHashMap<>();
    files.forEach(file -> file.getMessageTypes().forEach(m -> messages.put(m.getFullName(), m)));
    return messages;
  }

  /** The original agent's {@code agent/v1/*.proto} descriptors, built against each other. */
  private static List<FileDescriptor> theirFiles() {
    Map<String, FileDescriptorProto> protos = new LinkedHashMap<>();
    for (FileDescriptorProto proto : EmbeddedDescriptors.read(OriginalAgentBinary.bytes())) {
      protos.putIfAbsent(proto.getName(), proto);
    }
    Map<String, FileDescriptor> built = new LinkedHashMap<>();
    for (String name : protos.keySet()) {
      build(name, protos, built);
    }
    return List.copyOf(built.values());
  }

  private static FileDescriptor build(
      String name, Map<String, FileDescriptorProto> protos, Map<String, FileDescriptor> built) {
    FileDescriptor done = built.get(name);
    if (done != null) {
      return done;
    }
    FileDescriptorProto proto = protos.get(name);
    if (proto == null) {
      throw new IllegalStateException("the binary carries no descriptor for " + name);
    }
    List<FileDescriptor> dependencies = new ArrayList<>();
    for (String dependency : proto.getDependencyList()) {
      dependencies.add(build(dependency, protos, built));
    }
    try {
      FileDescriptor file =
          FileDescriptor.buildFrom(proto, dependencies.toArray(FileDescriptor[]::new));
      built.put(name, file);
      return file;
    } catch (DescriptorValidationException e) {
      throw new IllegalStateException("descriptor " + name + " from the binary is not valid", e);
    }
  }

  /**
   * Serialized {@code FileDescriptorProto}s found in a binary: each starts with its name field
   * ({@code 0x0a}, length, {@code agent/v1/….proto}) and runs as long as the bytes read as the
   * fields protoc writes, in its order (name, package, dependencies, messages, enums, services,
   * options, syntax).
   */
  static final class EmbeddedDescriptors {
    private static final byte[] PREFIX = "agent/v1/".getBytes(StandardCharsets.US_ASCII);
    private static final int SYNTAX = 12;

    private EmbeddedDescriptors() {}

    static List<FileDescriptorProto> read(byte[] binary) {
      List<FileDescriptorProto> files = new ArrayList<>();
      for (int at = indexOf(binary, PREFIX, 2); at >= 0; at = indexOf(binary, PREFIX, at + 1)) {
        int start = at - 2;
        int length = binary[at - 1] & 0xff;
        if (binary[start] != 0x0a || at + length > binary.length) {
          continue;
        }
        String name = new String(binary, at, length, StandardCharsets.US_ASCII);
        if (!name.matches("agent/v1/[a-z_]+\\.proto")) {
          continue;
        }
        try {
          files.add(
              FileDescriptorProto.parseFrom(Arrays.copyOfRange(binary, start, end(binary, start))));
        } catch (InvalidProtocolBufferException e) {
          // not a descriptor after all (the name also appears in plain strings)
        }
      }
      return files;
    }

    private static int end(byte[] binary, int start) {
      CodedInputStream in = CodedInputStream.newInstance(binary, start, binary.length - start);
      int end = start;
      int previous = 0;
      try {
        while (true) {
          int tag = in.readTag();
          int number = tag >>> 3;
          int wireType = tag & 7;
          boolean expected =
              number >= previous
                  && ((number >= 1 && number <= 9 || number == SYNTAX) && wireType == 2
                      || (number == 10 || number == 11) && (wireType == 0 || wireType == 2));
          if (tag == 0 || !expected || !in.skipField(tag)) {
            return end;
          }
          end = start + in.getTotalBytesRead();
          previous = number;
          if (number == SYNTAX) {
            return end;
          }
        }
      } catch (IOException e) {
        return end;
      }
    }

    private static int indexOf(byte[] haystack, byte[] needle, int from) {
      outer:
      for (int i = Math.max(from, 0); i <= haystack.length - needle.length; i++) {
        for (int j = 0; j < needle.length; j++) {
          if (haystack[i + j] != needle[j]) {
            continue outer;
          }
        }
        return i;
      }
      return -1;
    }
  }

  /** The original agent's binary, where the build says (or {@code CTOPS_ORIGINAL_AGENT}). */
  static final class OriginalAgentBinary {
    private OriginalAgentBinary() {}

    static byte[] bytes() {
      String configured =
          System.getenv()
              .getOrDefault("CTOPS_ORIGINAL_AGENT", System.getProperty("ctops.original-agent"));
      if (configured == null) {
        throw new IllegalStateException(
            "the build sets ctops.original-agent; run the tests with Maven, or set CTOPS_ORIGINAL_AGENT");
      }
      Path binary = Path.of(configured);
      try {
        return Files.readAllBytes(binary);
      } catch (IOException e) {
        throw new IllegalStateException(
            "the original CT-Ops agent is not at "
                + binary
                + " (../shared/compat/original-agent/ctops-agent beside this checkout);"
                + " set CTOPS_ORIGINAL_AGENT to its path",
            e);
      }
    }
  }
}
