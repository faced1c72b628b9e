package io.ctops.agent.tasks;

import io.ctops.agent.text.Utf8;

/**
 * Cuts one task's output into progress chunks the server can store: each at most {@link
 * #MAX_CHUNK_BYTES} of UTF-8, at most {@link #MAX_TOTAL_BYTES} per task, then one last chunk saying
 * the rest was dropped; a NUL becomes U+FFFD. A task that prints without end must not fill the
 * heartbeat stream or the server's database.
 */
final class TaskOutput {
  static final int MAX_CHUNK_BYTES = 4 * 1024;
  static final int MAX_TOTAL_BYTES = 64 * 1024;
  static final String CUT_NOTICE = "\n[output cut: the task wrote more than 64 KiB]\n";
  static final char REPLACEMENT = '\uFFFD';

  private final String taskId;
  private final TaskOutbox outbox;
  private int written;
  private boolean cut;

  TaskOutput(String taskId, TaskOutbox outbox) {
    this.taskId = taskId;
    this.outbox = outbox;
  }

  synchronized void append(String output) {
    // The server stores output as text, which cannot hold a NUL.
    String text = output.replace('\0', REPLACEMENT);
    int at = 0;
    while (!cut && at < text.length()) {
      int room = Math.min(MAX_CHUNK_BYTES, MAX_TOTAL_BYTES - written);
      int end = Utf8.prefixEnd(text, at, room);
      if (end == at) {
        // Not one more character fits in this task's allowance.
        cut = true;
        outbox.progress(taskId, CUT_NOTICE, false);
        return;
      }
      String chunk = text.substring(at, end);
      written += Utf8.length(chunk);
      outbox.progress(taskId, chunk);
      at = end;
    }
  }
}
