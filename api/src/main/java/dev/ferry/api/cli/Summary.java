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

  /**
   * {@code s} safe to print on a terminal: control characters (a name may hold an ESC that would
   * move the cursor or recolour the screen) are shown as escapes, {@code \x1b}, {@code \x7f},
   * {@code \x85}. Not as their Unicode control pictures: {@code --names remap} maps a control
   * character to its picture ("ctl\x01.txt -> ctl␁.txt"), and the rename would read as none.
   */
  static String printable(String s) {
    if (s == null) {
      return "";
    }
    StringBuilder b = new StringBuilder(s.length());
    s.codePoints()
        .forEach(
            c -> {
              if (c < 0x20 || (c >= 0x7f && c < 0xa0)) {
                b.append(String.format(Locale.ROOT, "\\x%02x", c));
              } else {
                b.appendCodePoint(c);
              }
            });
    return b.toString();
  }

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
    return text(run, state, secs, failedFolders, 0, 0);
  }

  /**
   * As above, with the files the destination stored but altered: {@code altered} of them, {@code
   * accepted} of those accepted by the run's options (counted as transferred too).
   */
  static String text(
      RunRow run, JobState state, double secs, long failedFolders, long altered, long accepted) {
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
    wrapped(
        b,
        Units.count(run.filesDone())
            + " transferred ("
            + Units.bytes(run.bytesDone())
            + ", "
            + Units.bytes(run.bytesDone() / Math.max(0.001, secs))
            + "/s)",
        Units.count(run.filesUnchanged()) + " unchanged",
        Units.count(run.filesSkipped()) + " skipped",
        Units.count(run.filesFailed()) + " failed");
    folders(b, failedFolders, "failed");
    if (altered > 0) {
      b.append("  ")
          .append(Units.count(altered))
          .append(altered == 1 ? " file" : " files")
          .append(
              " stored but altered by the destination (size or hash differ: SharePoint rewrites")
          .append(" Office files), ")
          .append(
              accepted == altered
                  ? "all accepted"
                  : accepted > 0
                      ? Units.count(accepted) + " accepted, " + (altered - accepted) + " not"
                      : "not accepted: to keep them, run again with --accept-altered office (or"
                          + " all)")
          .append('\n');
    }
    long left =
        run.filesTotal()
            - (altered - accepted)
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

  /** {@code parts} joined by ", " on indented lines of at most 120 columns. */
  private static void wrapped(StringBuilder b, String... parts) {
    StringBuilder line = new StringBuilder("  ");
    for (int i = 0; i < parts.length; i++) {
      String part = parts[i] + (i < parts.length - 1 ? "," : "");
      if (line.length() > 2 && line.length() + 1 + part.length() > 120) {
        b.append(line).append('\n');
        line = new StringBuilder("  ");
      } else if (line.length() > 2) {
        line.append(' ');
      }
      line.append(part);
    }
    b.append(line).append('\n');
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
