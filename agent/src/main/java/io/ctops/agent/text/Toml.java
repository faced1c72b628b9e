package io.ctops.agent.text;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The part of TOML an agent configuration uses: comments, {@code [table]} and {@code
 * [[array-of-tables]]} headers, and {@code key = value} lines whose value is a string (basic or
 * literal), an integer, a boolean or an array of those (on one line or several). Anything else
 * (nested arrays, inline tables, floats, dates, dotted or quoted keys, multi-line strings) is
 * refused with the line it is on, never guessed at.
 *
 * <p>Read here rather than with a TOML library: the agent runs on every host, and each library's
 * classes cost it memory.
 */
public final class Toml {
  /** A document or a line that is not TOML this reader accepts; the message names the line. */
  public static final class SyntaxException extends Exception {
    private static final long serialVersionUID = 1L;

    SyntaxException(int line, String message) {
      super("line " + line + ": " + message);
    }
  }

  private Toml() {}

  /**
   * The document as nested maps: each {@code [table]} is a {@code Map<String, Object>}, each {@code
   * [[array]]} a {@code List<Map<String, Object>>}, values are {@code String}, {@code Long}, {@code
   * Boolean} or a {@code List} of those.
   */
  public static Map<String, Object> parse(String text) throws SyntaxException {
    Map<String, Object> root = new LinkedHashMap<>();
    Map<String, Object> current = root;
    String[] lines = text.split("\r?\n", -1);
    for (int index = 0; index < lines.length; index++) {
      int number = index + 1;
      String line = stripComment(lines[index], number).strip();
      if (line.isEmpty()) {
        continue;
      }
      if (line.startsWith("[[")) {
        String name = header(line, "[[", "]]", number);
        Object existing = root.get(name);
        if (existing != null && !(existing instanceof List)) {
          throw new SyntaxException(number, "'" + name + "' is already a table");
        }
        @SuppressWarnings("unchecked")
        List<Map<String, Object>> array =
            existing == null ? new ArrayList<>() : (List<Map<String, Object>>) existing;
        root.put(name, array);
        current = new LinkedHashMap<>();
        array.add(current);
      } else if (line.startsWith("[")) {
        String name = header(line, "[", "]", number);
        if (root.containsKey(name)) {
          throw new SyntaxException(number, "table [" + name + "] is defined twice");
        }
        current = new LinkedHashMap<>();
        root.put(name, current);
      } else {
        int equals = line.indexOf('=');
        if (equals < 0) {
          throw new SyntaxException(number, "expected 'key = value' or a [table] header");
        }
        String key = line.substring(0, equals).strip();
        if (!bare(key)) {
          throw new SyntaxException(number, "'" + key + "' is not a plain key");
        }
        if (current.containsKey(key)) {
          throw new SyntaxException(number, "key '" + key + "' is set twice");
        }
        String value = line.substring(equals + 1).strip();
        if (value.startsWith("[")) {
          StringBuilder array = new StringBuilder(value);
          while (closingBracket(array) < 0 && index + 1 < lines.length) {
            index++;
            array.append(' ').append(stripComment(lines[index], index + 1).strip());
          }
          current.put(key, array(array.toString(), number));
        } else {
          current.put(key, value(value, number));
        }
      }
    }
    return root;
  }

  private static String header(String line, String open, String close, int number)
      throws SyntaxException {
    if (!line.endsWith(close)) {
      throw new SyntaxException(number, "table header '" + line + "' is not closed with " + close);
    }
    String name = line.substring(open.length(), line.length() - close.length()).strip();
    if (!bare(name)) {
      throw new SyntaxException(number, "'" + name + "' is not a plain table name");
    }
    return name;
  }

  private static boolean bare(String key) {
    if (key.isEmpty()) {
      return false;
    }
    for (int i = 0; i < key.length(); i++) {
      char c = key.charAt(i);
      boolean allowed =
          (c >= 'a' && c <= 'z')
              || (c >= 'A' && c <= 'Z')
              || (c >= '0' && c <= '9')
              || c == '_'
              || c == '-';
      if (!allowed) {
        return false;
      }
    }
    return true;
  }

  /** The line without a trailing comment; a '#' inside a string is not a comment. */
  private static String stripComment(String line, int number) throws SyntaxException {
    char quote = 0;
    for (int i = 0; i < line.length(); i++) {
      char c = line.charAt(i);
      if (quote == 0) {
        if (c == '#') {
          return line.substring(0, i);
        }
        if (c == '"' || c == '\'') {
          quote = c;
        }
      } else if (c == '\\' && quote == '"') {
        i++;
      } else if (c == quote) {
        quote = 0;
      }
    }
    if (quote != 0) {
      throw new SyntaxException(number, "string is not closed");
    }
    return line;
  }

  /** Where the array that {@code text} opens is closed, or -1; brackets in strings do not count. */
  private static int closingBracket(CharSequence text) {
    char quote = 0;
    for (int i = 1; i < text.length(); i++) {
      char c = text.charAt(i);
      if (quote == 0) {
        if (c == ']') {
          return i;
        }
        if (c == '"' || c == '\'') {
          quote = c;
        }
      } else if (c == '\\' && quote == '"') {
        i++;
      } else if (c == quote) {
        quote = 0;
      }
    }
    return -1;
  }

  /** An array of strings, integers or booleans; a trailing comma is allowed. */
  private static List<Object> array(String text, int number) throws SyntaxException {
    int end = closingBracket(text);
    if (end < 0) {
      throw new SyntaxException(number, "array is not closed with ]");
    }
    List<Object> values = new ArrayList<>();
    String inner = text.substring(1, end);
    char quote = 0;
    int start = 0;
    for (int i = 0; i <= inner.length(); i++) {
      char c = i < inner.length() ? inner.charAt(i) : ',';
      if (quote != 0) {
        if (c == '\\' && quote == '"') {
          i++;
        } else if (c == quote) {
          quote = 0;
        }
      } else if (c == '"' || c == '\'') {
        quote = c;
      } else if (c == '[' || c == '{') {
        throw new SyntaxException(number, "nested arrays and inline tables are not supported here");
      } else if (c == ',') {
        String element = inner.substring(start, Math.min(i, inner.length())).strip();
        start = i + 1;
        if (element.isEmpty()) {
          // Allowed only last: "[]" or a trailing comma.
          if (i < inner.length()) {
            throw new SyntaxException(number, "array has an empty element");
          }
          continue;
        }
        values.add(value(element, number));
      }
    }
    if (end != text.length() - 1) {
      throw new SyntaxException(
          number, "unexpected text after the array: " + text.substring(end + 1).strip());
    }
    return values;
  }

  private static Object value(String text, int number) throws SyntaxException {
    if (text.isEmpty()) {
      throw new SyntaxException(number, "a value is missing after '='");
    }
    if (text.startsWith("\"\"\"") || text.startsWith("'''")) {
      throw new SyntaxException(number, "multi-line strings are not supported here");
    }
    if (text.startsWith("\"")) {
      return basicString(text, number);
    }
    if (text.startsWith("'")) {
      if (text.length() < 2 || !text.endsWith("'") || text.indexOf('\'', 1) != text.length() - 1) {
        throw new SyntaxException(number, "literal string " + text + " is not valid");
      }
      return text.substring(1, text.length() - 1);
    }
    if (text.equals("true") || text.equals("false")) {
      return Boolean.valueOf(text);
    }
    String digits = text.replace("_", "");
    if (digits.matches("[+-]?[0-9]+") && !text.startsWith("_") && !text.endsWith("_")) {
      try {
        return Long.valueOf(digits);
      } catch (NumberFormatException e) {
        throw new SyntaxException(number, "integer " + text + " is out of range");
      }
    }
    throw new SyntaxException(
        number, "value " + text + " is not a string, an integer or true/false");
  }

  private static String basicString(String text, int number) throws SyntaxException {
    StringBuilder out = new StringBuilder();
    int i = 1;
    while (i < text.length()) {
      char c = text.charAt(i++);
      if (c == '"') {
        if (i != text.length()) {
          throw new SyntaxException(
              number, "unexpected text after the string: " + text.substring(i));
        }
        return out.toString();
      }
      if (c != '\\') {
        out.append(c);
        continue;
      }
      if (i >= text.length()) {
        break;
      }
      char escape = text.charAt(i++);
      switch (escape) {
        case '"' -> out.append('"');
        case '\\' -> out.append('\\');
        case 'n' -> out.append('\n');
        case 't' -> out.append('\t');
        case 'r' -> out.append('\r');
        case 'b' -> out.append('\b');
        case 'f' -> out.append('\f');
        case 'u', 'U' -> {
          int length = escape == 'u' ? 4 : 8;
          if (i + length > text.length()) {
            throw new SyntaxException(number, "\\" + escape + " needs " + length + " hex digits");
          }
          try {
            out.appendCodePoint(Integer.parseInt(text.substring(i, i + length), 16));
          } catch (IllegalArgumentException e) {
            throw new SyntaxException(number, "\\" + escape + " escape is not a valid character");
          }
          i += length;
        }
        default -> throw new SyntaxException(number, "unknown escape \\" + escape);
      }
    }
    throw new SyntaxException(number, "string is not closed");
  }
}
