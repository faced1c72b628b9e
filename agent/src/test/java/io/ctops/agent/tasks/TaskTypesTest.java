package io.ctops.agent.tasks;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ctops.agent.tasks.TestTaskTypes.Recording;
import org.junit.jupiter.api.Test;

class TaskTypesTest {
  @Test
  void theStandardTypesAreTheScanUnderBothNamesServiceActionsAndUninstall() {
    TaskTypes standard = TaskTypes.standard();

    assertThat(standard.find("software_inventory_scan"))
        .get()
        .isInstanceOf(SoftwareInventoryTask.class);
    assertThat(standard.find("software_inventory")).get().isInstanceOf(SoftwareInventoryTask.class);
    assertThat(standard.names())
        .containsExactlyInAnyOrder(
            "software_inventory_scan", "software_inventory", "service", "agent_uninstall");
    assertThat(standard.find("service")).get().isInstanceOf(ServiceTask.class);
    assertThat(standard.find("agent_uninstall")).get().isInstanceOf(AgentUninstallTask.class);
  }

  @Test
  void findsNothingForATypeThisAgentDoesNotRun() {
    assertThat(TaskTypes.standard().find("custom_script")).isEmpty();
    assertThat(TaskTypes.standard().find("")).isEmpty();
  }

  @Test
  void extraTypesJoinTheStandardOnes() {
    Recording recording = new Recording();

    TaskTypes types = TaskTypes.standard().with(recording);

    assertThat(types.find("record")).contains(recording);
    assertThat(types.find("software_inventory")).isPresent();
    assertThat(TaskTypes.standard().find("record")).isEmpty();
  }

  @Test
  void refusesTwoTypesClaimingOneName() {
    assertThatThrownBy(() -> TaskTypes.of(new Recording(), new Recording()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("\"record\" is claimed twice");
  }
}
