package io.ctops.server.platform.pki;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ctops.server.platform.config.ConfigException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class KeyEncryptionKeyTest {
  @TempDir Path dir;

  @Test
  void createsAKeyFileOnlyTheOwnerReadsAndOpensWhatItSealedAfterARestart() throws Exception {
    Path file = dir.resolve("keys/server.kek");
    byte[] sealed =
        KeyEncryptionKey.loadOrCreate("X_KEK_FILE", file)
            .seal("bind password".getBytes(StandardCharsets.UTF_8));

    assertThat(Files.size(file)).isEqualTo(32);
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file)))
        .isEqualTo("rw-------");
    assertThat(new String(sealed, StandardCharsets.ISO_8859_1)).doesNotContain("bind password");
    KeyEncryptionKey reloaded = KeyEncryptionKey.loadOrCreate("X_KEK_FILE", file);
    assertThat(new String(reloaded.open(sealed), StandardCharsets.UTF_8))
        .isEqualTo("bind password");
  }

  @Test
  void sealsTheSameTextDifferentlyEachTime() {
    KeyEncryptionKey kek = KeyEncryptionKey.random();
    byte[] text = "same".getBytes(StandardCharsets.UTF_8);
    assertThat(kek.seal(text)).isNotEqualTo(kek.seal(text));
  }

  @Test
  void anotherKeyOrAChangedByteCannotOpen() {
    KeyEncryptionKey kek = KeyEncryptionKey.random();
    byte[] sealed = kek.seal("secret".getBytes(StandardCharsets.UTF_8));
    assertThatThrownBy(() -> KeyEncryptionKey.random().open(sealed))
        .isInstanceOf(GeneralSecurityException.class);
    sealed[sealed.length - 1] ^= 1;
    assertThatThrownBy(() -> kek.open(sealed)).isInstanceOf(GeneralSecurityException.class);
    assertThatThrownBy(() -> kek.open(new byte[3])).isInstanceOf(GeneralSecurityException.class);
  }

  @Test
  void refusesAFileThatIsNotThirtyTwoBytesNamingTheSetting() throws Exception {
    Path file = dir.resolve("short.kek");
    Files.write(file, new byte[16]);
    assertThatThrownBy(() -> KeyEncryptionKey.loadOrCreate("INGEST_CA_KEK_FILE", file))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("INGEST_CA_KEK_FILE")
        .hasMessageContaining("must hold exactly 32 bytes, it holds 16");
  }
}
