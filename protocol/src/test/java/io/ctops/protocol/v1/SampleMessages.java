package io.ctops.protocol.v1;

import com.google.protobuf.ByteString;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.Message;

/** Messages with every field set, for round trips: generated builders and dynamic ones alike. */
final class SampleMessages {
  private SampleMessages() {}

  /** Sets every field (one element for repeated ones), recursing into messages to a small depth. */
  static void populate(Message.Builder builder, int seed) {
    for (FieldDescriptor field : builder.getDescriptorForType().getFields()) {
      if (field.getRealContainingOneof() != null
          && field != field.getRealContainingOneof().getField(0)) {
        continue;
      }
      Object value = sampleValue(builder, field, seed + field.getNumber());
      if (field.isRepeated()) {
        builder.addRepeatedField(field, value);
      } else {
        builder.setField(field, value);
      }
    }
  }

  private static Object sampleValue(Message.Builder parent, FieldDescriptor field, int seed) {
    return switch (field.getJavaType()) {
      case INT -> seed;
      case LONG -> 1_700_000_000L + seed;
      case FLOAT -> seed + 0.5f;
      case DOUBLE -> seed + 0.25;
      case BOOLEAN -> true;
      case STRING -> field.getName() + "-" + seed;
      case BYTE_STRING -> ByteString.copyFromUtf8("bytes-" + seed);
      // the first value is proto3's default, which is not "set"
      case ENUM ->
          field
              .getEnumType()
              .getValues()
              .get(Math.min(1, field.getEnumType().getValues().size() - 1));
      case MESSAGE -> {
        Message.Builder child = parent.newBuilderForField(field);
        populate(child, seed * 7);
        yield child.build();
      }
    };
  }
}
