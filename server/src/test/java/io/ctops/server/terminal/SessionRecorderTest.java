package io.ctops.server.terminal;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Random;
import java.util.UUID;
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
    events.add(SessionRecorder.FRAMES, recorder.compress(chunk.frames()));

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
    events.add(SessionRecorder.FRAMES, recorder.compress(last.frames()));
    assertThat(events.lines()).contains("12345").contains("the recording stopped here");
  }

  @Test
  void incompressibleOutputIsOnlyEntropyCodedUntilDeflateIsWorthItAgain() {
    SessionRecorder recorder = new SessionRecorder(null, UUID.randomUUID(), 1L << 30);
    byte[] random = new byte[200 * 1024];
    new Random(3).nextBytes(random);
    byte[] noise = Base64.getEncoder().encode(random);
    byte[] text = utf8("the same log line again and again\r\n".repeat(8000));
    List<byte[]> stored = new ArrayList<>();

    stored.add(recorder.compress(noise));
    assertThat(recorder.entropyOnly()).isTrue();
    for (int i = 0; i < SessionRecorder.PROBE_EVERY - 1; i++) {
      stored.add(recorder.compress(text));
    }
    assertThat(recorder.entropyOnly()).as("only a probe changes the choice").isTrue();
    stored.add(recorder.compress(text));
    assertThat(recorder.entropyOnly()).isFalse();

    assertThat(SessionRecorder.inflate(stored.get(0))).isEqualTo(noise);
    for (byte[] chunk : stored.subList(1, stored.size())) {
      assertThat(SessionRecorder.inflate(chunk)).isEqualTo(text);
    }
    assertThat(stored.getLast().length).isLessThan(text.length / 20);
  }

  @Test
  void theFirstRecordingsLinesAreReadAsTheyAre() {
    SessionRecorder recorder = new SessionRecorder(null, UUID.randomUUID(), 1024);
    SessionRecorder.Events events = new SessionRecorder.Events();

    events.add(SessionRecorder.LINES, recorder.compress(utf8("[0.5, \"o\", \"old\"]\n")));

    assertThat(events.lines()).isEqualTo("[0.5, \"o\", \"old\"]\n");
  }
}
