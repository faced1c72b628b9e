package io.ctops.server.platform.pki;

import io.ctops.server.platform.config.ConfigException;
import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * The server's key-encryption key: 32 random bytes in a file that only the server reads, never in
 * the database. Secrets the database must hold (the agent CA's private key, directory bind
 * passwords) are sealed with it (AES-256-GCM), so a copy of the database alone reveals none of
 * them. Every instance of every role must use the same file.
 */
public final class KeyEncryptionKey {
  private static final int KEY_BYTES = 32;
  private static final int NONCE_BYTES = 12;
  private static final int TAG_BITS = 128;
  private static final SecureRandom RANDOM = new SecureRandom();

  private final byte[] key;

  private KeyEncryptionKey(byte[] key) {
    this.key = key;
  }

  /**
   * Reads the key from {@code file}, creating it (mode 0600) when missing; errors name {@code
   * variable}, the setting that points at the file.
   */
  public static KeyEncryptionKey loadOrCreate(String variable, Path file) {
    try {
      if (!Files.exists(file)) {
        create(file);
      }
      byte[] key = Files.readAllBytes(file);
      if (key.length != KEY_BYTES) {
        throw new ConfigException(
            variable, file + " must hold exactly 32 bytes, it holds " + key.length);
      }
      return new KeyEncryptionKey(key);
    } catch (IOException e) {
      throw new ConfigException(
          variable, "cannot read or create " + file + " (" + e.getMessage() + ")");
    }
  }

  /** A key of fresh random bytes held only in memory (tests). */
  public static KeyEncryptionKey random() {
    byte[] key = new byte[KEY_BYTES];
    RANDOM.nextBytes(key);
    return new KeyEncryptionKey(key);
  }

  private static void create(Path file) throws IOException {
    byte[] key = new byte[KEY_BYTES];
    RANDOM.nextBytes(key);
    Path directory = file.toAbsolutePath().getParent();
    Files.createDirectories(
        directory,
        PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
    Path temporary = Files.createTempFile(directory, ".kek", ".tmp");
    try {
      Files.setPosixFilePermissions(temporary, PosixFilePermissions.fromString("rw-------"));
      Files.write(temporary, key);
      // link(2) never replaces an existing file: when two instances start at once, one key wins
      Files.createLink(file, temporary);
    } catch (FileAlreadyExistsException raced) {
      // another instance created it first; use theirs
    } finally {
      Files.delete(temporary);
    }
  }

  /** The nonce followed by the ciphertext and its tag; a fresh nonce every time. */
  public byte[] seal(byte[] plain) {
    byte[] nonce = new byte[NONCE_BYTES];
    RANDOM.nextBytes(nonce);
    try {
      Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
      cipher.init(
          Cipher.ENCRYPT_MODE,
          new SecretKeySpec(key, "AES"),
          new GCMParameterSpec(TAG_BITS, nonce));
      byte[] sealed = cipher.doFinal(plain);
      byte[] out = new byte[NONCE_BYTES + sealed.length];
      System.arraycopy(nonce, 0, out, 0, NONCE_BYTES);
      System.arraycopy(sealed, 0, out, NONCE_BYTES, sealed.length);
      return out;
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("AES-GCM is not available", e);
    }
  }

  /**
   * The plain bytes of what {@link #seal} returned; throws when the bytes were sealed with another
   * key or changed since (GCM's tag does not verify).
   */
  public byte[] open(byte[] sealed) throws GeneralSecurityException {
    if (sealed.length < NONCE_BYTES + TAG_BITS / 8) {
      throw new GeneralSecurityException("sealed value too short");
    }
    Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
    cipher.init(
        Cipher.DECRYPT_MODE,
        new SecretKeySpec(key, "AES"),
        new GCMParameterSpec(TAG_BITS, sealed, 0, NONCE_BYTES));
    return cipher.doFinal(sealed, NONCE_BYTES, sealed.length - NONCE_BYTES);
  }
}
