package dev.ferry.api.cli;

import dev.ferry.activities.catalog.RunRow;
import dev.ferry.workflows.JobState;
import dev.ferry.workflows.RunMode;
import java.util.Locale;

/**
 * The summary {@code ferry migrate} prints at the end: a headline, then one figure per line, so it
 * fits 120 columns whatever the counts. Found = transferred + unchanged + skipped + failed (+ not
 * attempted, when the run stopped early); the success rate counts failures only, and is left out
 * when nothing was attempted.
 */
final class Summary {
  private Summary() {}

  static String headline(JobState state) {
    return switch (state) {
      case COMPLETED -> "Completed";
      case COMPLETED_WITH_ERRORS -> "Completed with errors";
      case CANCELLED -> "Cancelled";
      case FAILED -> "Failed";
      default -> "Stopped (" + state.name().toLowerCase(Locale.ROOT) + ")";
    };
  }

  static String text(RunRow run, JobState state, double secs, long failedFolders) {
    StringBuilder b = new StringBuilder();
    String found =
        Units.count(run.filesTotal())
            + (run.filesTotal() == 1 ? " file (" : " files (")
            + Units.bytes(run.bytesTotal())
            + ") found";
    if (run.mode() == RunMode.DRY_RUN) {
      b.append("Dry run finished in ")
          .append(Units.duration(secs))
          .append(": ")
          .append(found)
          .append("; nothing was written\n");
      b.append("  would transfer ")
          .append(Units.count(run.filesToCopy()))
          .append(" files (")
          .append(Units.bytes(run.bytesToCopy()))
          .append("), ")
          .append(Units.count(run.filesUnchanged()))
          .append(" unchanged, ");
      long skipped = run.filesSkipped() - run.filesToCopy();
      if (skipped > 0) {
        b.append(Units.count(skipped)).append(" skipped, ");
      }
      b.append(Units.count(run.filesFailed())).append(" would fail\n");
      folders(b, failedFolders, "would fail");
      return b.toString();
    }
    b.append(headline(state))
        .append(" in ")
        .append(Units.duration(secs))
        .append(": ")
        .append(found)
        .append('\n');
    if (state == JobState.FAILED && run.filesTotal() == 0) {
      return b.toString(); // failed before it found anything: the reason says why
    }
    b.append(
        String.format(
            Locale.ROOT,
            "  %s transferred (%s, %s/s), %s unchanged, %s skipped, %s failed%n",
            Units.count(run.filesDone()),
            Units.bytes(run.bytesDone()),
            Units.bytes(run.bytesDone() / Math.max(0.001, secs)),
            Units.count(run.filesUnchanged()),
            Units.count(run.filesSkipped()),
            Units.count(run.filesFailed())));
    folders(b, failedFolders, "failed");
    long left =
        run.filesTotal()
            - run.filesDone()
            - run.filesUnchanged()
            - run.filesSkipped()
            - run.filesFailed();
    if (left > 0) {
      b.append("  ")
          .append(Units.count(left))
          .append(" not attempted: run the same command again to copy them\n");
    }
    long attempted = run.filesDone() + run.filesUnchanged() + run.filesFailed();
    if (attempted > 0) {
      b.append(
          String.format(
              Locale.ROOT,
              "  success rate %.1f%% (failed files count against it, skipped ones do not)%n",
              ReportWriter.successRate(run)));
    }
    return b.toString();
  }

  private static void folders(StringBuilder b, long n, String verb) {
    if (n > 0) {
      b.append("  and ")
          .append(Units.count(n))
          .append(n == 1 ? " folder " : " folders ")
          .append(verb)
          .append('\n');
    }
  }
}
