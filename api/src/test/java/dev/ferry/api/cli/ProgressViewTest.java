package dev.ferry.api.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.activities.catalog.Catalog;
import dev.ferry.activities.catalog.RunRow;
import dev.ferry.workflows.JobState;
import dev.ferry.workflows.RunMode;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** The live progress line: what it shows while a run goes on, and its last frame. */
class ProgressViewTest {
  /** A running run with 3,001 files (3,001 MiB) to copy, of which {@code finished} are done. */
  static RunRow running(JobState state, long finished, long failed) {
    long mib = 1 << 20;
    return new RunRow(
        1,
        UUID.randomUUID(),
        RunMode.INCREMENTAL,
        state,
        "wf",
        null,
        Instant.now(),
        null,
        3001,
        3001 * mib,
        3001,
        3001 * mib,
        finished - failed,
        (finished - failed) * mib,
        0,
        0,
        failed,
        finished,
        finished * mib);
  }

  @Test
  void theBarMovesWithAFileInFlightAndItsLastFrameSaysEveryFile() throws Exception {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (ProgressView view =
        new ProgressView(new PrintStream(bytes, true, StandardCharsets.UTF_8), true)) {
      view.update(
          running(JobState.RUNNING, 1000, 0), new Catalog.InFlight(512L << 20, "big/disk.iso"));
      String mid = view.render(null, 160);
      assertThat(mid)
          .startsWith("Copying  50% [")
          .contains(" 1.5 GiB/2.9 GiB ")
          .contains(" 1,000/3,001 files ")
          .contains("big/disk.iso");
      assertThat(mid).hasSize(159);

      // a retried batch's bytes are not counted again: more in flight than left is capped
      view.update(running(JobState.RUNNING, 3000, 1), new Catalog.InFlight(900L << 20, "x"));
      assertThat(view.render(null, 160))
          .startsWith("Copying 100% ")
          .contains("3,000/3,001 files (1 failed)");

      // the run ended with every file finished: the last frame says so, whatever the last sample
      view.update(running(JobState.RUNNING, 2990, 1), Catalog.InFlight.NONE);
      view.finish(running(JobState.COMPLETED_WITH_ERRORS, 3001, 1));
      String last = view.render(null, 160);
      assertThat(last)
          .startsWith("Copying 100% [")
          .contains(" 3,001/3,001 files (1 failed)")
          .doesNotContain(" x ");
    }
  }

  @Test
  void onANarrowTerminalTheFiguresComeFirstAndTheLineNeverWraps() {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (ProgressView view =
        new ProgressView(new PrintStream(bytes, true, StandardCharsets.UTF_8), true)) {
      view.update(
          running(JobState.RUNNING, 10, 0),
          new Catalog.InFlight(1, "a/very/long/path/to/a/file.bin"));
      String line = view.render(null, 80);
      assertThat(line.length()).isLessThan(80);
      assertThat(line).startsWith("Copying   0%").contains("10/3,001 files");
    }
  }

  @Test
  void atEveryWidthTheLineFillsAllButTheLastColumnAndNoFigureIsCut() {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (ProgressView view =
        new ProgressView(new PrintStream(bytes, true, StandardCharsets.UTF_8), true)) {
      for (String inFlight : new String[] {null, "sub/big", "a/very/long/path/to/a/file.bin"}) {
        view.update(running(JobState.RUNNING, 3000, 0), new Catalog.InFlight(1L << 20, inFlight));
        for (int width = 60; width <= 160; width++) {
          String line = view.render(null, width);
          assertThat(line).as("width %d, file %s", width, inFlight).hasSize(width - 1);
          // the figures come whole, whatever is left out for them (bar, then file name)
          assertThat(line).contains("3,000/3,001 files");
          if (inFlight != null && width >= 100) {
            assertThat(line).contains(inFlight.length() < 20 ? inFlight : "file.bin");
          }
        }
      }
    }
  }

  @Test
  void anEtaOfDaysIsSaidInDaysNotInThousandsOfHours() {
    assertThat(Units.duration(42)).isEqualTo("42.0 s");
    assertThat(Units.duration(3 * 3600 + 62)).isEqualTo("3:01:02");
    assertThat(Units.duration(2 * 86400 + 5 * 3600 + 10)).isEqualTo("2d 05h");
    assertThat(Units.duration(1893 * 3600)).isEqualTo("78d 21h");
    assertThat(Units.duration(1e9)).isEqualTo("over 99 days");
  }

  @Test
  void withoutATerminalALineEveryFewSecondsSaysTheSame() {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (ProgressView view =
        new ProgressView(new PrintStream(bytes, true, StandardCharsets.UTF_8), false)) {
      view.update(running(JobState.RUNNING, 1000, 2), new Catalog.InFlight(3L << 20, "now.bin"));
    }
    assertThat(bytes.toString(StandardCharsets.UTF_8))
        .contains("progress: 1,000 of 3,001 files (2 failed), 1003.0 MiB of 2.9 GiB, ")
        .contains(", now now.bin");
  }
}
