package io.ctops.server.platform.http;

import io.javalin.http.Context;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Locale;

/**
 * Where request text enters the application: before any route runs, the path, the query string and
 * a form or JSON body are checked for what no handler can store or compare — a NUL character
 * (PostgreSQL text cannot hold one), other control characters in a parameter, bytes that are not
 * UTF-8 — and for parameter values longer than any field of the product. A request that fails is
 * refused with 400 and the parameter's name; nothing after this sees it.
 */
public final class RequestText {
  /** No form field or query parameter of the product is longer (a host note is the longest). */
  public static final int MAX_PARAMETER_CHARS = 32 * 1024;

  private RequestText() {}

  /** Text in a request that the application refuses; the message names the parameter. */
  public static final class Rejected extends RuntimeException {
    private static final long serialVersionUID = 1L;

    Rejected(String message) {
      super(message, null, false, false);
    }
  }

  /** Runs before every request; throws {@link Rejected}. */
  public static void check(Context ctx) {
    if (ctx.path().indexOf('\0') >= 0) {
      throw new Rejected("the path contains a NUL character");
    }
    String query = ctx.queryString();
    if (query != null && !query.isEmpty()) {
      checkPairs(query, "query parameter");
    }
    String contentType = ctx.contentType();
    if (contentType == null) {
      return;
    }
    String type = contentType.toLowerCase(Locale.ROOT);
    if (type.startsWith("application/x-www-form-urlencoded")) {
      byte[] body = ctx.bodyAsBytes();
      checkPairs(strictUtf8(body, "the form"), "form field");
    } else if (type.startsWith("application/json")) {
      checkJson(ctx.bodyAsBytes());
    }
  }

  private static void checkPairs(String encoded, String kind) {
    for (String pair : encoded.split("&", -1)) {
      if (pair.isEmpty()) {
        continue;
      }
      int equals = pair.indexOf('=');
      String name = decode(equals < 0 ? pair : pair.substring(0, equals), kind + " name");
      String value =
          equals < 0 ? "" : decode(pair.substring(equals + 1), kind + " '" + printable(name) + "'");
      checkText(name, kind + " name");
      checkText(value, kind + " '" + printable(name) + "'");
      if (value.length() > MAX_PARAMETER_CHARS) {
        throw new Rejected(
            kind
                + " '"
                + printable(name)
                + "' is longer than "
                + MAX_PARAMETER_CHARS
                + " characters");
      }
    }
  }

  /** Control characters other than tab, line feed and carriage return are refused. */
  private static void checkText(String text, String what) {
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      if (c == '\0') {
        throw new Rejected(what + " contains a NUL character");
      }
      if ((c < 0x20 && c != '\t' && c != '\n' && c != '\r') || c == 0x7f) {
        throw new Rejected(what + " contains a control character (U+%04X)".formatted((int) c));
      }
    }
  }

  /** {@code application/x-www-form-urlencoded} decoding that refuses what is not UTF-8. */
  private static String decode(String encoded, String what) {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream(encoded.length());
    for (int i = 0; i < encoded.length(); i++) {
      char c = encoded.charAt(i);
      if (c == '+') {
        bytes.write(' ');
      } else if (c == '%') {
        if (i + 2 >= encoded.length()) {
          throw new Rejected(what + " has an incomplete %-escape");
        }
        int high = Character.digit(encoded.charAt(i + 1), 16);
        int low = Character.digit(encoded.charAt(i + 2), 16);
        if (high < 0 || low < 0) {
          throw new Rejected(what + " has an invalid %-escape");
        }
        bytes.write(high * 16 + low);
        i += 2;
      } else if (c < 0x80) {
        bytes.write(c);
      } else {
        byte[] raw = String.valueOf(c).getBytes(StandardCharsets.UTF_8);
        bytes.write(raw, 0, raw.length);
      }
    }
    return strictUtf8(bytes.toByteArray(), what);
  }

  private static String strictUtf8(byte[] bytes, String what) {
    CharsetDecoder decoder =
        StandardCharsets.UTF_8
            .newDecoder()
            .onMalformedInput(CodingErrorAction.REPORT)
            .onUnmappableCharacter(CodingErrorAction.REPORT);
    try {
      return decoder.decode(ByteBuffer.wrap(bytes)).toString();
    } catch (CharacterCodingException e) {
      throw new Rejected(what + " is not valid UTF-8");
    }
  }

  /** A JSON body: UTF-8, and no NUL, raw or escaped (inside a string it would reach a column). */
  private static void checkJson(byte[] body) {
    String text = strictUtf8(body, "the JSON body");
    if (text.indexOf('\0') >= 0) {
      throw new Rejected("the JSON body contains a NUL character");
    }
    int escape = text.toLowerCase(Locale.ROOT).indexOf("\\u0000");
    while (escape >= 0) {
      int backslashes = 0;
      for (int i = escape - 1; i >= 0 && text.charAt(i) == '\\'; i--) {
        backslashes++;
      }
      if (backslashes % 2 == 0) {
        throw new Rejected("the JSON body contains a NUL character (\\u0000)");
      }
      escape = text.toLowerCase(Locale.ROOT).indexOf("\\u0000", escape + 1);
    }
  }

  private static String printable(String name) {
    String shown = name.length() > 40 ? name.substring(0, 40) + "…" : name;
    StringBuilder out = new StringBuilder();
    shown.codePoints().forEach(c -> out.appendCodePoint(Character.isISOControl(c) ? '?' : c));
    return out.toString();
  }
}
