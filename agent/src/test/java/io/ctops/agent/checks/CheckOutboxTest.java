package io.ctops.agent.checks;

import static org.assertj.core.api.Assertions.assertThat;

import io.ctops.protocol.v1.CheckResult;
import io.ctops.protocol.v1.HeartbeatRequest;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/** Which results go on which heartbeat, and which acknowledgement releases them. */
class CheckOutboxTest {
  private final CheckOutbox outbox = new CheckOutbox(10);

  @Test
  void aRegularHeartbeatsResultsAreReleasedByAWatermarkReachingItsTimestamp() {
    CheckOutbox.Sending stream = outbox.newStream();
    outbox.add(result("a", 1));

    assertThat(ids(attach(stream, 1000))).containsExactly("a@1");
    stream.acknowledged(999);
    assertThat(outbox.size()).isEqualTo(1);
    stream.acknowledged(1000);
    assertThat(outbox.size()).isZero();
  }

  @Test
  void resultsOnTheWireAreNotSentTwiceOnTheSameStream() {
    CheckOutbox.Sending stream = outbox.newStream();
    outbox.add(result("a", 1));
    attach(stream, 1000);
    outbox.add(result("b", 2));

    assertThat(ids(attach(stream, 1030))).containsExactly("b@2");
    assertThat(stream.hasWaiting()).isFalse();
  }

  @Test
  void anExtraHeartbeatsResultsWaitForAWatermarkPastItsRepeatedTimestamp() {
    CheckOutbox.Sending stream = outbox.newStream();
    attach(stream, 1000);
    outbox.add(result("a", 1));

    assertThat(ids(attach(stream, 1000))).containsExactly("a@1");
    // The answer to the regular heartbeat before it may say 1000 while the extra one is on its way.
    stream.acknowledged(1000);
    assertThat(outbox.size()).isEqualTo(1);
    attach(stream, 1030);
    stream.acknowledged(1030);
    assertThat(outbox.size()).isZero();
  }

  @Test
  void whatABrokenStreamSentGoesAgainFirstOnTheNextOne() {
    CheckOutbox.Sending first = outbox.newStream();
    outbox.add(result("a", 1));
    attach(first, 1000);
    outbox.add(result("b", 2));

    CheckOutbox.Sending second = outbox.newStream();

    assertThat(ids(attach(second, 1000))).containsExactly("a@1", "b@2");
    assertThat(ids(attach(first, 1030))).as("the old stream sends nothing more").isEmpty();
    // A late answer on the old stream still tells what the server has.
    first.acknowledged(1000);
    assertThat(outbox.size()).isEqualTo(1);
    second.acknowledged(1000);
    assertThat(outbox.size()).isZero();
  }

  @Test
  void carriesAtMostItsShareOnEachHeartbeat() {
    CheckOutbox big = new CheckOutbox(CheckOutbox.CAPACITY);
    CheckOutbox.Sending stream = big.newStream();
    IntStream.range(0, 1200).forEach(i -> big.add(result("c-" + i, i)));

    assertThat(attach(stream, 1000)).hasSize(CheckOutbox.MAX_PER_HEARTBEAT);
    assertThat(attach(stream, 1000)).hasSize(CheckOutbox.MAX_PER_HEARTBEAT);
    assertThat(attach(stream, 1030)).hasSize(200);
    assertThat(stream.hasWaiting()).isFalse();
  }

  @Test
  void dropsTheOldestPastItsCapacityAndCountsThem() {
    CheckOutbox.Sending stream = outbox.newStream();
    IntStream.range(0, 4).forEach(i -> outbox.add(result("sent", i)));
    attach(stream, 1000);
    IntStream.range(0, 8).forEach(i -> outbox.add(result("new", i)));

    assertThat(outbox.size()).isEqualTo(10);
    assertThat(outbox.dropped()).isEqualTo(2);
    assertThat(ids(outbox.newStream(), 1030))
        .containsExactly(
            "sent@2", "sent@3", "new@0", "new@1", "new@2", "new@3", "new@4", "new@5", "new@6",
            "new@7");
  }

  @Test
  void aHeartbeatCarriesAboutAMebibyteOfResultsAtMostButAlwaysOne() {
    CheckOutbox big = new CheckOutbox(CheckOutbox.CAPACITY);
    CheckOutbox.Sending stream = big.newStream();
    // account reports of 256 KiB: four of them would make a message near the server's 4 MiB
    IntStream.range(0, 6).forEach(i -> big.add(report("accounts", i, 256 * 1024)));

    assertThat(attach(stream, 1000)).hasSize(3);
    assertThat(attach(stream, 1030)).hasSize(3);
    big.add(report("huge", 7, 2 * 1024 * 1024));
    assertThat(ids(attach(stream, 1060))).containsExactly("huge@7");
  }

  @Test
  void dropsTheOldestPastItsBytesToo() {
    CheckOutbox bounded = new CheckOutbox(1000, 1024 * 1024);
    IntStream.range(0, 6).forEach(i -> bounded.add(report("accounts", i, 256 * 1024)));

    assertThat(bounded.size()).isEqualTo(3);
    assertThat(bounded.dropped()).isEqualTo(3);
    CheckOutbox.Sending stream = bounded.newStream();
    assertThat(ids(attach(stream, 1000))).containsExactly("accounts@3", "accounts@4", "accounts@5");
    stream.acknowledged(1000);
    bounded.add(report("accounts", 6, 256 * 1024));
    assertThat(bounded.dropped()).as("acknowledged results free their bytes").isEqualTo(3);
  }

  private static CheckResult report(String id, long ranAt, int bytes) {
    return result(id, ranAt).toBuilder().setOutput("x".repeat(bytes)).build();
  }

  private static List<CheckResult> attach(CheckOutbox.Sending stream, long timestamp) {
    HeartbeatRequest.Builder request = HeartbeatRequest.newBuilder().setTimestampUnix(timestamp);
    stream.attach(request, timestamp);
    return request.getCheckResultsList();
  }

  private static List<String> ids(CheckOutbox.Sending stream, long timestamp) {
    return ids(attach(stream, timestamp));
  }

  private static List<String> ids(List<CheckResult> results) {
    return results.stream().map(r -> r.getCheckId() + "@" + r.getRanAtUnix()).toList();
  }

  private static CheckResult result(String id, long ranAt) {
    return CheckResult.newBuilder().setCheckId(id).setStatus("pass").setRanAtUnix(ranAt).build();
  }
}
