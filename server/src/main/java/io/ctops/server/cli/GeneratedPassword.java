package io.ctops.server.cli;

import java.security.SecureRandom;

/**
 * Passwords the CLI makes for people: 20 characters from an alphabet without look-alikes (no 0/O,
 * 1/l/I), in groups of five, so one can be read off a terminal and typed (about 117 bits).
 */
final class GeneratedPassword {
  private static final String ALPHABET =
      "abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
  private static final SecureRandom RANDOM = new SecureRandom();

  private GeneratedPassword() {}

  static String generate() {
    StringBuilder password = new StringBuilder();
    for (int i = 0; i < 20; i++) {
      if (i > 0 && i % 5 == 0) {
        password.append('-');
      }
      password.append(ALPHABET.charAt(RANDOM.nextInt(ALPHABET.length())));
    }
    return password.toString();
  }
}
