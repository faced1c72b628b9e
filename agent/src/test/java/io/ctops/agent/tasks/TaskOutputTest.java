package io.ctops.agent.tasks;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

class TaskOutputTest {
  private final TaskOutbox outbox = new TaskOutbox();
  private final SentToServer server = new SentToServer(outbox);
  private final TaskOutput output = new TaskOutput("t-1", outbox);

  @Test
  void cutsLongOutputIntoChunksOfAtMost4KiB() {
    String text = "x".repeat(10_000);

    output.append(text);

    List<String> chunks = server.output("t-1");
    assertThat(chunks).hasSize(3);
    assertThat(chunks).allSatisfy(chunk -> assertThat(bytes(chunk)).isLessThanOrEqualTo(4096));
    assertThat(String.join("", chunks)).isEqualTo(text);
  }

  @Test
  void mergesSmallWritesIntoFewChunksWithinTheBound() {
    StringBuilder all = new StringBuilder();
    for (int line = 0; line < 1000; line++) {
      String text = "line " + line + "\n";
      output.append(text);
      all.append(text);
    }

    List<String> chunks = server.output("t-1");
    assertThat(chunks).hasSizeLessThan(10);
    assertThat(chunks).allSatisfy(chunk -> assertThat(bytes(chunk)).isLessThanOrEqualTo(4096));
    assertThat(String.join("", chunks)).isEqualTo(all.toString());
  }

  @Test
  void stopsAt64KiBPerTaskAndSaysTheOutputWasCut() {
    String text = "y".repeat(1000);
    for (int i = 0; i < 100; i++) {
      output.append(text);
    }

    List<String> chunks = server.output("t-1");
    assertThat(chunks.getLast()).isEqualTo(TaskOutput.CUT_NOTICE);
    List<String> kept = chunks.subList(0, chunks.size() - 1);
    assertThat(kept).allSatisfy(chunk -> assertThat(bytes(chunk)).isLessThanOrEqualTo(4096));
    assertThat(bytes(String.join("", kept))).isEqualTo(64 * 1024);
    assertThat(chunks).filteredOn(TaskOutput.CUT_NOTICE::equals).hasSize(1);

    output.append("more after the cut");
    assertThat(server.output("t-1")).hasSameSizeAs(chunks);
  }

  @Test
  void replacesNulCharactersTheServerCouldNotStore() {
    output.append("binary\0output\0");

    assertThat(String.join("", server.output("t-1"))).isEqualTo("binary\uFFFDoutput\uFFFD");
  }

  @Test
  void neverSplitsACharacterAcrossChunks() {
    String text = "é€😀".repeat(3000);

    output.append(text);

    List<String> chunks = server.output("t-1");
    assertThat(chunks).allSatisfy(chunk -> assertThat(bytes(chunk)).isLessThanOrEqualTo(4096));
    assertThat(chunks)
        .allSatisfy(
            chunk ->
                assertThat(
                        new String(chunk.getBytes(StandardCharsets.UTF_8), StandardCharsets.UTF_8))
                    .isEqualTo(chunk)
                    .doesNotContain("?"));
    assertThat(String.join("", chunks)).isEqualTo(text);
  }

  @Test
  void keepsEachTasksOutputApart() {
    TaskOutput other = new TaskOutput("t-2", outbox);

    output.append("one");
    other.append("two");
    output.append("three");

    assertThat(server.output("t-1")).containsExactly("one", "three");
    assertThat(server.output("t-2")).containsExactly("two");
  }

  private static int bytes(String text) {
    return text.getBytes(StandardCharsets.UTF_8).length;
  }
}
