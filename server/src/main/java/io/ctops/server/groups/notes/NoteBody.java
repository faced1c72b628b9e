package io.ctops.server.groups.notes;

import io.ctops.server.web.HttpProblem;
import java.util.Locale;

/**
 * A note's text as it is stored: line breaks as LF (a browser's textarea sends CRLF, which would
 * count twice against the limit), at least one visible character, at most 20,000 characters (as
 * PostgreSQL counts them), and no control characters but tab and line feed.
 */
final class NoteBody {
  static final int MAX_CHARACTERS = 20_000;

  private NoteBody() {}

  /** The body to store; 400 saying what is wrong otherwise. */
  static String parse(String text) {
    if (text == null || text.isBlank()) {
      throw HttpProblem.badRequest("the note is empty; write something first");
    }
    String body = text.replace("\r\n", "\n").replace('\r', '\n');
    int characters = body.codePointCount(0, body.length());
    if (characters > MAX_CHARACTERS) {
      throw HttpProblem.badRequest(
          String.format(
              Locale.ROOT,
              "a note is limited to %,d characters; this one has %,d",
              MAX_CHARACTERS,
              characters));
    }
    for (int i = 0; i < body.length(); i++) {
      char c = body.charAt(i);
      if ((c < 0x20 && c != '\t' && c != '\n') || c == 0x7f) {
        throw HttpProblem.badRequest(
            "the note contains a control character (U+%04X)".formatted((int) c));
      }
      if (Character.isHighSurrogate(c)
          && i + 1 < body.length()
          && Character.isLowSurrogate(body.charAt(i + 1))) {
        i++;
      } else if (Character.isSurrogate(c)) {
        throw HttpProblem.badRequest("the note contains half of a character (a lone surrogate)");
      }
    }
    return body;
  }
}
