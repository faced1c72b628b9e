package io.ctops.server.terminal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Random;
import java.util.UUID;
import java.util.zip.Deflater;
import org.junit.jupiter.api.Test;

class SessionRecorderTest {
  private static byte[] utf8(String text) {
    return text.getBytes(StandardCharsets.UTF_8);
  }

  @Test
  void framesBecomeAsciicastLinesWithACharacterSplitAcrossPiecesJoinedAgain() {
    SessionRecorder recorder = new SessionRecorder(null, UUID.randomUUID(), 1024);
    byte[] euro = utf8("€");
    recorder.output(utf8("$ echo \"hi\"\r\n"));
    recorder.output(new byte[] {euro[0], euro[1]});
    recorder.output(new byte[] {euro[2], '\t', 0x1b, '[', 'm'});
    SessionRecorder.Chunk chunk = recorder.flush();

    SessionRecorder.Events events = new SessionRecorder.Events();
    events.add(SessionRecorder.ZSTD_FRAMES, SessionRecorder.compress(chunk.frames()));

    List<String> lines = events.lines().lines().toList();
    assertThat(lines).hasSize(2);
    assertThat(lines.get(0))
        .matches("\\[0\\.\\d{6}, \"o\", \"\\$ echo \\\\\"hi\\\\\"\\\\r\\\\n\"\\]");
    assertThat(lines.get(1)).endsWith(", \"o\", \"€\\t\\u001B[m\"]");
    assertThat(chunk.recordedBytes()).isEqualTo(13 + 2 + 5);
  }

  @Test
  void pastTheBoundTheRecordingSaysItStoppedAndTakesNoMore() {
    SessionRecorder recorder = new SessionRecorder(null, UUID.randomUUID(), 10);
    recorder.output(utf8("12345"));

    SessionRecorder.Chunk last = recorder.output(utf8("678901"));

    assertThat(last.truncated()).isTrue();
    assertThat(recorder.output(utf8("more"))).isNull();
    SessionRecorder.Events events = new SessionRecorder.Events();
    events.add(SessionRecorder.ZSTD_FRAMES, SessionRecorder.compress(last.frames()));
    assertThat(events.lines()).contains("12345").contains("the recording stopped here");
  }

  @Test
  void textShrinksManyTimesAndNoiseToAboutItsEntropyAndBothComeBackAsTheyWere() {
    byte[] random = new byte[200 * 1024];
    new Random(3).nextBytes(random);
    byte[] noise = Base64.getEncoder().encode(random);
    byte[] text = utf8("the same log line again and again\r\n".repeat(8000));

    byte[] noiseStored = SessionRecorder.compress(noise);
    byte[] textStored = SessionRecorder.compress(text);

    assertThat(noiseStored.length).isLessThan(noise.length * 8 / 10);
    assertThat(textStored.length).isLessThan(text.length / 20);
    assertThat(SessionRecorder.unzstd(noiseStored)).isEqualTo(noise);
    assertThat(SessionRecorder.unzstd(textStored)).isEqualTo(text);
  }

  @Test
  void aDamagedChunkSaysSo() {
    byte[] stored = SessionRecorder.compress(utf8("hello"));
    stored[stored.length - 2] ^= 0x55;
    SessionRecorder.Events events = new SessionRecorder.Events();

    assertThatThrownBy(() -> events.add(SessionRecorder.ZSTD_FRAMES, stored))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("damaged");
    assertThatThrownBy(() -> events.add(SessionRecorder.ZSTD_FRAMES, utf8("not zstd")))
        .hasMessageContaining("damaged");
  }

  @Test
  void deflatedFramesOfEarlierRecordingsStillRead() {
    SessionRecorder recorder = new SessionRecorder(null, UUID.randomUUID(), 1024);
    recorder.output(utf8("before the upgrade"));
    SessionRecorder.Events events = new SessionRecorder.Events();

    events.add(SessionRecorder.FRAMES, deflate(recorder.flush().frames()));

    assertThat(events.lines()).contains("\"o\", \"before the upgrade\"]");
  }

  private static byte[] deflate(byte[] raw) {
    Deflater deflater = new Deflater(Deflater.BEST_SPEED);
    deflater.setInput(raw);
    deflater.finish();
    byte[] out = new byte[raw.length + 1024];
    int n = deflater.deflate(out);
    deflater.end();
    return Arrays.copyOf(out, n);
  }

  @Test
  void theFirstRecordingsLinesAreReadAsTheyAre() {
    SessionRecorder.Events events = new SessionRecorder.Events();

    events.add(SessionRecorder.LINES, deflate(utf8("[0.5, \"o\", \"old\"]\n")));

    assertThat(events.lines()).isEqualTo("[0.5, \"o\", \"old\"]\n");
  }
}
