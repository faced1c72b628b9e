package io.ctops.agent.text;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * JSON (RFC 8259) for the agent's few needs: reading its state file, a JWT's claims and the
 * parameters of tasks and checks; writing the state file, results and the stored checks. Values
 * read are {@code Map<String, Object>}, {@code List<Object>}, {@code String}, {@code Long} (or
 * {@code Double} for fractions), {@code Boolean} or {@code null}. Written here rather than with a
 * JSON library: the agent runs on every host, and each library's classes cost it memory.
 */
public final class Json {
  /** Text that is not JSON. */
  public static final class SyntaxException extends Exception {
    private static final long serialVersionUID = 1L;

    SyntaxException(String message, int offset) {
      super(message + " at offset " + offset);
    }
  }

  private static final int MAX_DEPTH = 64;

  private final String text;
  private int position;

  private Json(String text) {
    this.text = text;
  }

  public static Object parse(String text) throws SyntaxException {
    Json reader = new Json(text);
    Object value = reader.value(0);
    reader.skipSpace();
    if (reader.position != text.length()) {
      throw new SyntaxException("unexpected text after the value", reader.position);
    }
    return value;
  }

  /** A JSON object of the given fields, in order; values are strings, numbers, booleans or null. */
  public static String object(Map<String, ?> fields) {
    return write(fields);
  }

  /**
   * {@code value} as JSON: maps (their keys as text, in their order) and lists nest; strings,
   * numbers, booleans and null are themselves; anything else is written as its text. A number that
   * JSON cannot hold (NaN, infinity) is written as null.
   */
  public static String write(Object value) {
    StringBuilder out = new StringBuilder();
    write(out, value);
    return out.toString();
  }

  private static void write(StringBuilder out, Object value) {
    switch (value) {
      case null -> out.append("null");
      case Boolean flag -> out.append(flag);
      case Number number -> out.append(Double.isFinite(number.doubleValue()) ? number : "null");
      case Map<?, ?> fields -> {
        out.append('{');
        boolean first = true;
        for (Map.Entry<?, ?> field : fields.entrySet()) {
          if (!first) {
            out.append(',');
          }
          first = false;
          string(out, String.valueOf(field.getKey()));
          out.append(':');
          write(out, field.getValue());
        }
        out.append('}');
      }
      case Iterable<?> items -> {
        out.append('[');
        boolean first = true;
        for (Object item : items) {
          if (!first) {
            out.append(',');
          }
          first = false;
          write(out, item);
        }
        out.append(']');
      }
      default -> string(out, value.toString());
    }
  }

  private static void string(StringBuilder out, String value) {
    out.append('"');
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      switch (c) {
        case '"' -> out.append("\\\"");
        case '\\' -> out.append("\\\\");
        case '\n' -> out.append("\\n");
        case '\r' -> out.append("\\r");
        case '\t' -> out.append("\\t");
        default -> {
          if (c < 0x20) {
            out.append(String.format("\\u%04x", (int) c));
          } else {
            out.append(c);
          }
        }
      }
    }
    out.append('"');
  }

  private Object value(int depth) throws SyntaxException {
    if (depth > MAX_DEPTH) {
      throw new SyntaxException("nested too deeply", position);
    }
    skipSpace();
    if (position >= text.length()) {
      throw new SyntaxException("unexpected end", position);
    }
    char c = text.charAt(position);
    return switch (c) {
      case '{' -> object(depth);
      case '[' -> array(depth);
      case '"' -> string();
      case 't' -> literal("true", Boolean.TRUE);
      case 'f' -> literal("false", Boolean.FALSE);
      case 'n' -> literal("null", null);
      default -> {
        if (c == '-' || (c >= '0' && c <= '9')) {
          yield number();
        }
        throw new SyntaxException("unexpected '" + c + "'", position);
      }
    };
  }

  private Map<String, Object> object(int depth) throws SyntaxException {
    Map<String, Object> fields = new LinkedHashMap<>();
    position++;
    skipSpace();
    if (peek() == '}') {
      position++;
      return fields;
    }
    while (true) {
      skipSpace();
      if (peek() != '"') {
        throw new SyntaxException("expected a field name", position);
      }
      String name = string();
      skipSpace();
      expect(':');
      fields.put(name, value(depth + 1));
      skipSpace();
      if (peek() == ',') {
        position++;
      } else {
        expect('}');
        return fields;
      }
    }
  }

  private List<Object> array(int depth) throws SyntaxException {
    List<Object> items = new ArrayList<>();
    position++;
    skipSpace();
    if (peek() == ']') {
      position++;
      return items;
    }
    while (true) {
      items.add(value(depth + 1));
      skipSpace();
      if (peek() == ',') {
        position++;
      } else {
        expect(']');
        return items;
      }
    }
  }

  private String string() throws SyntaxException {
    StringBuilder out = new StringBuilder();
    position++;
    while (position < text.length()) {
      char c = text.charAt(position++);
      if (c == '"') {
        return out.toString();
      }
      if (c < 0x20) {
        throw new SyntaxException("control character in a string", position - 1);
      }
      if (c != '\\') {
        out.append(c);
        continue;
      }
      if (position >= text.length()) {
        break;
      }
      char escape = text.charAt(position++);
      switch (escape) {
        case '"', '\\', '/' -> out.append(escape);
        case 'b' -> out.append('\b');
        case 'f' -> out.append('\f');
        case 'n' -> out.append('\n');
        case 'r' -> out.append('\r');
        case 't' -> out.append('\t');
        case 'u' -> {
          if (position + 4 > text.length()) {
            throw new SyntaxException("\\u needs four hex digits", position);
          }
          try {
            out.append((char) Integer.parseInt(text.substring(position, position + 4), 16));
          } catch (NumberFormatException e) {
            throw new SyntaxException("\\u needs four hex digits", position);
          }
          position += 4;
        }
        default -> throw new SyntaxException("unknown escape \\" + escape, position - 1);
      }
    }
    throw new SyntaxException("string is not closed", position);
  }

  private Object number() throws SyntaxException {
    int start = position;
    while (position < text.length() && "+-0123456789.eE".indexOf(text.charAt(position)) >= 0) {
      position++;
    }
    String number = text.substring(start, position);
    try {
      if (number.matches("-?(0|[1-9][0-9]*)")) {
        return Long.valueOf(number);
      }
      if (number.matches("-?(0|[1-9][0-9]*)(\\.[0-9]+)?([eE][+-]?[0-9]+)?")) {
        return Double.valueOf(number);
      }
    } catch (NumberFormatException e) {
      // out of range: reported below
    }
    throw new SyntaxException("'" + number + "' is not a number", start);
  }

  private Object literal(String word, Object value) throws SyntaxException {
    if (!text.startsWith(word, position)) {
      throw new SyntaxException("unexpected '" + text.charAt(position) + "'", position);
    }
    position += word.length();
    return value;
  }

  private void expect(char c) throws SyntaxException {
    if (peek() != c) {
      throw new SyntaxException("expected '" + c + "'", position);
    }
    position++;
  }

  private char peek() {
    return position < text.length() ? text.charAt(position) : 0;
  }

  private void skipSpace() {
    while (position < text.length() && " \t\r\n".indexOf(text.charAt(position)) >= 0) {
      position++;
    }
  }
}
