package io.ctops.server.groups;

import com.fasterxml.jackson.annotation.JsonIgnore;
import java.util.Locale;

/**
 * A host tag: {@code key:value} or a bare {@code key}, the case kept as typed and compared without
 * it. Its {@link #term()} is the lower-cased form that filters and dynamic groups match against
 * {@code hosts.tag_terms} (V13__groups.sql): a bare key matches every host with that key, whatever
 * its value.
 */
public record Tag(String key, String value) {
  public static final int MAX_LENGTH = 255;

  public Tag {
    if (key.isEmpty()) {
      throw new InvalidTagException("a tag needs a key before any ':'");
    }
  }

  /** Parses what an operator typed; surrounding blanks are dropped. */
  public static Tag parse(String text) {
    String tag = text.strip();
    if (tag.isEmpty()) {
      throw new InvalidTagException("a tag may not be empty");
    }
    if (tag.length() > MAX_LENGTH) {
      throw new InvalidTagException(
          "a tag is limited to " + MAX_LENGTH + " characters (" + tag.length() + " given)");
    }
    for (int i = 0; i < tag.length(); i++) {
      char c = tag.charAt(i);
      if (Character.isISOControl(c) || c == ',') {
        throw new InvalidTagException("a tag may not contain control characters or commas");
      }
    }
    int colon = tag.indexOf(':');
    if (colon < 0) {
      return new Tag(tag, "");
    }
    return new Tag(tag.substring(0, colon).strip(), tag.substring(colon + 1).strip());
  }

  @JsonIgnore // not a field of a tag in JSON: {"key", "value"} says it
  public boolean isBare() {
    return value.isEmpty();
  }

  /** The lower-cased filter term. */
  public String term() {
    return isBare() ? key.toLowerCase(Locale.ROOT) : (key + ":" + value).toLowerCase(Locale.ROOT);
  }

  @Override
  public String toString() {
    return isBare() ? key : key + ":" + value;
  }

  /** What was wrong with a tag, in words for the operator. */
  public static final class InvalidTagException extends IllegalArgumentException {
    public InvalidTagException(String message) {
      super(message);
    }
  }
}
