package dev.ferry.api.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.activities.catalog.OwnerRow;
import dev.ferry.activities.catalog.OwnerRunRow;
import dev.ferry.workflows.JobState;
import dev.ferry.workflows.RunMode;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** The per-owner table of {@code ferry migrate --owners}: what comes first, what fits. */
class OwnersSummaryTest {
  static OwnerRunRow owner(String name, String state, String light, long failed, long skipped) {
    var run =
        SummaryTest.run(
            RunMode.FULL, JobState.COMPLETED, 10, 10, 10 - failed - skipped, 0, skipped, failed);
    if (state.equals("failed")) {
      run =
          new dev.ferry.activities.catalog.RunRow(
              run.id(),
              run.jobId(),
              run.mode(),
              JobState.FAILED,
              "wf",
              "scan failed: the source refused the credentials",
              run.startedAt(),
              run.finishedAt(),
              0,
              0,
              0,
              0,
              0,
              0,
              0,
              0,
              0,
              0,
              0);
    }
    return new OwnerRunRow(
        new OwnerRow(UUID.randomUUID(), UUID.randomUUID(), 1, name, name, name),
        run,
        -1,
        state,
        light);
  }

  @Test
  void fewOwnersAreAllListedRedThenYellowThenGreen() {
    String text =
        OwnersSummary.text(
            List.of(
                owner("ann", "completed", "green", 0, 0),
                owner("bea", "completed_with_errors", "yellow", 2, 0),
                owner("cid", "failed", "red", 0, 0)));
    assertThat(text).startsWith("Owners: 3 — 1 green, 1 yellow, 1 red\n");
    assertThat(text.indexOf("  cid ")).isLessThan(text.indexOf("  bea "));
    assertThat(text.indexOf("  bea ")).isLessThan(text.indexOf("  ann "));
    assertThat(text).contains("with errors").contains("scan failed: the source refused");
  }

  @Test
  void manyOwnersListOnlyThoseThatNeedALookAndCountTheGreenOnes() {
    List<OwnerRunRow> owners = new ArrayList<>();
    for (int i = 0; i < 500; i++) {
      owners.add(
          owner("user" + i + "@a-very-long-domain-name.example.com", "completed", "green", 0, 0));
    }
    owners.add(owner("late", "completed", "yellow", 0, 3));
    owners.add(owner("broken", "failed", "red", 0, 0));
    String text = OwnersSummary.text(owners);
    assertThat(text).startsWith("Owners: 502 — 500 green, 1 yellow, 1 red\n");
    assertThat(text).contains("  broken ").contains("  late ");
    assertThat(text).doesNotContain("user1@");
    assertThat(text).contains("and 500 green owners: every file done");
    for (String line : text.split("\n")) {
      assertThat(line.length()).as(line).isLessThanOrEqualTo(80);
    }
    // more than fit are counted
    List<OwnerRunRow> bad = new ArrayList<>();
    for (int i = 0; i < 70; i++) {
      bad.add(owner("u" + i, "completed", "yellow", 0, 1));
    }
    assertThat(OwnersSummary.text(bad)).contains("... and 20 more not green (see the report)");
  }

  @Test
  void cancelledOwnersHaveNoLightAndAreCountedAsSuch() {
    String text =
        OwnersSummary.text(
            List.of(
                owner("ann", "completed", "green", 0, 0),
                owner("bea", "cancelled", null, 0, 0),
                owner("cid", "running", null, 0, 0)));
    assertThat(text).startsWith("Owners: 3 — 1 green, 0 yellow, 0 red, 1 cancelled, 1 not ended\n");
    assertThat(text).containsPattern("  bea +- +cancelled ");
    assertThat(text.indexOf("  bea ")).as("before the green").isLessThan(text.indexOf("  ann "));
  }

  @Test
  void aLongNameIsCutToItsColumn() {
    String text =
        OwnersSummary.text(
            List.of(
                owner("someone.with.a.really.long.name@example.com", "completed", "green", 0, 0)));
    assertThat(text).contains("someone.with.a.really.l…");
    for (String line : text.split("\n")) {
      assertThat(line.length()).isLessThanOrEqualTo(80);
    }
  }
}
