package io.ctops.server.platform.grpc;

import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.MessageOrBuilder;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Text that agents send. PostgreSQL {@code text} cannot hold a NUL character, so a NUL in any
 * string field of an agent's message (found by walking the message's descriptor: a field added to
 * the protocol is covered without a change here) refuses the message before anything of it is used,
 * naming the field. Free text an agent reports (a task's output or error) is not refused for a NUL
 * but made {@link #storable} where it is written: a command's output may hold any byte, and
 * refusing it would end the agent's stream again at every retry.
 */
public final class AgentText {
  /** What takes the place of a NUL in stored text: U+FFFD REPLACEMENT CHARACTER. */
  public static final char REPLACEMENT = '\uFFFD';

  // Per message type, the fields that can hold text at any depth; types without any (vitals
  // samples, thousands per heartbeat) are not looked into at all.
  private static final Map<Descriptor, List<FieldDescriptor>> TEXT_FIELDS =
      new ConcurrentHashMap<>();

  private AgentText() {}

  /**
   * Where the first NUL is, as the refusal says it ({@code agent_info.hostname contains a NUL
   * character}, {@code packages[3].name contains a NUL character}); empty when there is none.
   * Fields in {@code freeText} are skipped: they are made storable instead.
   */
  public static Optional<String> nulIn(MessageOrBuilder message, Set<FieldDescriptor> freeText) {
    String path = find(message, freeText, "");
    return path == null ? Optional.empty() : Optional.of(path + " contains a NUL character");
  }

  private static String find(MessageOrBuilder message, Set<FieldDescriptor> freeText, String at) {
    for (FieldDescriptor field : textFields(message.getDescriptorForType())) {
      if (freeText.contains(field)) {
        continue;
      }
      boolean isText = field.getJavaType() == FieldDescriptor.JavaType.STRING;
      if (field.isRepeated()) {
        int count = message.getRepeatedFieldCount(field);
        for (int i = 0; i < count; i++) {
          Object value = message.getRepeatedField(field, i);
          String found =
              isText
                  ? hasNul(value) ? at + field.getName() + "[" + i + "]" : null
                  : find((MessageOrBuilder) value, freeText, at + field.getName() + "[" + i + "].");
          if (found != null) {
            return found;
          }
        }
      } else if (isText) {
        if (hasNul(message.getField(field))) {
          return at + field.getName();
        }
      } else if (message.hasField(field)) {
        String found =
            find((MessageOrBuilder) message.getField(field), freeText, at + field.getName() + ".");
        if (found != null) {
          return found;
        }
      }
    }
    return null;
  }

  private static boolean hasNul(Object text) {
    return ((String) text).indexOf('\0') >= 0;
  }

  private static List<FieldDescriptor> textFields(Descriptor type) {
    List<FieldDescriptor> known = TEXT_FIELDS.get(type);
    if (known == null) {
      known = List.copyOf(collectTextFields(type, new ArrayList<>()));
      TEXT_FIELDS.put(type, known);
    }
    return known;
  }

  private static List<FieldDescriptor> collectTextFields(Descriptor type, List<Descriptor> seen) {
    List<FieldDescriptor> fields = new ArrayList<>();
    seen.add(type);
    for (FieldDescriptor field : type.getFields()) {
      if (field.getJavaType() == FieldDescriptor.JavaType.STRING
          || (field.getJavaType() == FieldDescriptor.JavaType.MESSAGE
              && holdsText(field.getMessageType(), seen))) {
        fields.add(field);
      }
    }
    seen.remove(type);
    return fields;
  }

  private static boolean holdsText(Descriptor type, List<Descriptor> seen) {
    // A type that contains itself is looked into (it may hold text further down).
    return seen.contains(type) || !collectTextFields(type, seen).isEmpty();
  }

  /**
   * {@code text} as PostgreSQL can store it: each NUL replaced by U+FFFD, and at most {@code
   * maxChars} characters (never ending in half a surrogate pair).
   */
  public static String storable(String text, int maxChars) {
    String clean = text.indexOf('\0') < 0 ? text : text.replace('\0', REPLACEMENT);
    if (clean.length() <= maxChars) {
      return clean;
    }
    int end = Character.isHighSurrogate(clean.charAt(maxChars - 1)) ? maxChars - 1 : maxChars;
    return clean.substring(0, end);
  }
}
