package dev.ferry.api.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.activities.catalog.RunRow;
import dev.ferry.workflows.JobState;
import dev.ferry.workflows.RunMode;
import java.time.Instant;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** The end-of-run summary's words and layout. */
class SummaryTest {
  static RunRow run(
      RunMode mode,
      JobState state,
      long found,
      long toCopy,
      long done,
      long unchanged,
      long skipped,
      long failed) {
    return new RunRow(
        1,
        UUID.randomUUID(),
        mode,
        state,
        "wf",
        null,
        Instant.now(),
        Instant.now(),
        found,
        found * 1000,
        toCopy,
        toCopy * 1000,
        done,
        done * 1000,
        unchanged,
        skipped,
        failed,
        done + failed,
        (done + failed) * 1000);
  }

  @Test
  void everyLineFits120ColumnsEvenWithHugeCounts() {
    long n = 12_345_678_901L;
    String text =
        Summary.text(
            run(RunMode.FULL, JobState.COMPLETED_WITH_ERRORS, n, n, n, n, n, n),
            JobState.COMPLETED_WITH_ERRORS,
            3600,
            n);
    assertThat(text).startsWith("Completed with errors in 1:00:00: 12,345,678,901 files (");
    for (String line : text.split("\n")) {
      assertThat(line.length()).as(line).isLessThanOrEqualTo(120);
    }
  }

  @Test
  void aRunStoppedEarlySaysWhatWasNotAttemptedAndTheRateCountsFailuresOnly() {
    String text =
        Summary.text(
            run(RunMode.INCREMENTAL, JobState.CANCELLED, 10, 8, 3, 2, 1, 1),
            JobState.CANCELLED,
            2,
            0);
    assertThat(text)
        .contains("Cancelled in 2.0 s: 10 files (9.8 KiB) found")
        .contains("3 transferred (2.9 KiB, 1.5 KiB/s), 2 unchanged, 1 skipped, 1 failed")
        .contains("3 not attempted: run the same command again")
        // 5 good of 6 attempted; the skipped file does not count
        .contains("success rate 83.3%");
  }

  @Test
  void aRunThatFailedBeforeFindingAnythingPrintsNoCountsAndNoRate() {
    String text =
        Summary.text(
            run(RunMode.INCREMENTAL, JobState.FAILED, 0, 0, 0, 0, 0, 0), JobState.FAILED, 1, 0);
    assertThat(text).isEqualTo("Failed in 1.0 s: 0 files (0 B) found\n");
  }

  @Test
  void controlCharactersInNamesReachTheTerminalAsEscapes() {
    assertThat(Summary.printable("a\u001b[31mred\u0001.txt")).isEqualTo("a\\x1b[31mred\\x01.txt");
    assertThat(Summary.printable("del\u007f c1\u0085")).isEqualTo("del\\x7f c1\\x85");
    // a remapped name holds the control picture itself: source and destination differ on screen
    assertThat(Summary.printable("ctl\u0001.txt") + " -> " + Summary.printable("ctl\u2401.txt"))
        .isEqualTo("ctl\\x01.txt -> ctl\u2401.txt");
    assertThat(Summary.printable("plain/naïve.txt")).isEqualTo("plain/naïve.txt");
  }
}
