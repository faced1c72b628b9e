package io.ctops.server.heartbeat;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

class RecheckRotationTest {
  @Test
  void aSmallFleetIsLookedAtWholeEveryTime() {
    RecheckRotation rotation = new RecheckRotation(4, 3);
    List<UUID> agents = agents(4);
    assertThat(rotation.next(agents)).isEqualTo(agents);
    assertThat(rotation.next(agents)).isEqualTo(agents);
  }

  @Test
  void aLargeFleetIsLookedAtInSharesThatCoverItWithinTheRounds() {
    RecheckRotation rotation = new RecheckRotation(2, 3);
    List<UUID> agents = agents(10);
    Set<UUID> seen = new HashSet<>();
    for (int round = 0; round < 3; round++) {
      List<UUID> share = rotation.next(agents);
      assertThat(share).hasSize(4);
      seen.addAll(share);
    }
    assertThat(seen).containsExactlyInAnyOrderElementsOf(agents);
    // and it goes round again, from where it stopped
    assertThat(rotation.next(agents)).containsExactlyElementsOf(agents.subList(2, 6));
  }

  @Test
  void aFleetThatShrankBelowWhereTheLastShareStoppedIsTakenFromItsStart() {
    RecheckRotation rotation = new RecheckRotation(2, 3);
    rotation.next(agents(10));
    rotation.next(agents(10));
    List<UUID> fewer = agents(3);
    assertThat(rotation.next(fewer)).containsExactly(fewer.get(2), fewer.get(0));
  }

  private static List<UUID> agents(int count) {
    return Stream.generate(UUID::randomUUID).limit(count).toList();
  }
}
