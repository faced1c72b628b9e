package io.ctops.server.roles;

import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.Message;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Every string field of a request message type, found by walking its descriptor (so a field added
 * to the protocol is covered without touching the tests), and a way to put a hostile value into one
 * of them: as a string, or as bytes that are not UTF-8 at all (which no protobuf builder lets one
 * set, so they are patched into the encoded message).
 */
record StringFields(List<FieldDescriptor> path) {
  private static final int DEPTH_LIMIT = 8;
  private static final String MARKER = "\u0007hostile-bytes-go-here\u0007";

  static List<StringFields> of(Descriptor type) {
    List<StringFields> fields = new ArrayList<>();
    walk(type, new ArrayList<>(), fields);
    return fields;
  }

  private static void walk(Descriptor type, List<FieldDescriptor> prefix, List<StringFields> out) {
    if (prefix.size() > DEPTH_LIMIT) {
      return;
    }
    for (FieldDescriptor field : type.getFields()) {
      List<FieldDescriptor> path = new ArrayList<>(prefix);
      path.add(field);
      if (field.getJavaType() == FieldDescriptor.JavaType.STRING) {
        out.add(new StringFields(List.copyOf(path)));
      } else if (field.getJavaType() == FieldDescriptor.JavaType.MESSAGE) {
        walk(field.getMessageType(), path, out);
      }
    }
  }

  /** As the refusals name it: {@code agent_info.hostname}. */
  String name() {
    return String.join(".", path.stream().map(FieldDescriptor::getName).toList());
  }

  /** {@code base} with this field (its first element, where repeated) set to {@code value}. */
  Message with(Message base, String value) {
    Message.Builder builder = base.toBuilder();
    set(builder, 0, value);
    return builder.build();
  }

  /** {@code base} encoded, with this field holding bytes that are not UTF-8. */
  byte[] withInvalidUtf8(Message base) {
    byte[] encoded = with(base, MARKER).toByteArray();
    byte[] marker = MARKER.getBytes(StandardCharsets.UTF_8);
    int at = indexOf(encoded, marker);
    if (at < 0) {
      throw new IllegalStateException("marker not found in the encoding of " + name());
    }
    // 0xFF never occurs in UTF-8; same length, so the field's length prefix stays right.
    Arrays.fill(encoded, at, at + marker.length, (byte) 0xFF);
    return encoded;
  }

  private void set(Message.Builder builder, int depth, String value) {
    FieldDescriptor field = path.get(depth);
    boolean leaf = depth == path.size() - 1;
    if (leaf) {
      if (field.isRepeated()) {
        if (builder.getRepeatedFieldCount(field) > 0) {
          builder.setRepeatedField(field, 0, value);
        } else {
          builder.addRepeatedField(field, value);
        }
      } else {
        builder.setField(field, value);
      }
      return;
    }
    if (field.isRepeated()) {
      Message.Builder element =
          builder.getRepeatedFieldCount(field) > 0
              ? ((Message) builder.getRepeatedField(field, 0)).toBuilder()
              : builder.newBuilderForField(field);
      set(element, depth + 1, value);
      if (builder.getRepeatedFieldCount(field) > 0) {
        builder.setRepeatedField(field, 0, element.build());
      } else {
        builder.addRepeatedField(field, element.build());
      }
    } else {
      Message.Builder element = ((Message) builder.getField(field)).toBuilder();
      set(element, depth + 1, value);
      builder.setField(field, element.build());
    }
  }

  private static int indexOf(byte[] haystack, byte[] needle) {
    outer:
    for (int i = 0; i + needle.length <= haystack.length; i++) {
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
