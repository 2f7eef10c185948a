package dev.ferry.api.cli;

import dev.ferry.activities.catalog.OwnerRunRow;
import dev.ferry.activities.catalog.RunRow;
import dev.ferry.workflows.RunMode;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;

/**
 * The per-owner table {@code ferry migrate --owners} prints at the end, within 80 columns whatever
 * the number of owners: the owners that need a look first (red, then yellow, then those that did
 * not end), each with its state and light, files, bytes, failed and skipped, and the reason of a
 * red one; then the green ones — listed when there are few, counted when there are many.
 */
final class OwnersSummary {
  private OwnersSummary() {}

  /** At most this many owners are listed one per line; beyond, green ones are only counted. */
  static final int LISTED = 20;

  /** At most this many owners that need a look are listed; the rest are counted. */
  static final int ATTENTION = 50;

  private static final int NAME = 24;

  static String text(List<OwnerRunRow> owners) {
    StringBuilder b = new StringBuilder();
    long green = owners.stream().filter(o -> "green".equals(o.light())).count();
    long yellow = owners.stream().filter(o -> "yellow".equals(o.light())).count();
    long red = owners.stream().filter(o -> "red".equals(o.light())).count();
    long cancelled = owners.stream().filter(o -> "cancelled".equals(o.state())).count();
    long other = owners.size() - green - yellow - red - cancelled;
    b.append("Owners: ")
        .append(Units.count(owners.size()))
        .append(" — ")
        .append(Units.count(green))
        .append(" green, ")
        .append(Units.count(yellow))
        .append(" yellow, ")
        .append(Units.count(red))
        .append(" red");
    if (cancelled > 0) {
      b.append(", ").append(Units.count(cancelled)).append(" cancelled");
    }
    if (other > 0) {
      b.append(", ").append(Units.count(other)).append(" not ended");
    }
    b.append('\n');
    if (owners.isEmpty()) {
      return b.toString();
    }
    List<OwnerRunRow> sorted = new ArrayList<>(owners);
    sorted.sort(Comparator.comparingInt(OwnersSummary::rank)); // stable: file order within
    boolean all = owners.size() <= LISTED;
    List<OwnerRunRow> shown =
        sorted.stream().filter(o -> all || !"green".equals(o.light())).limit(ATTENTION).toList();
    if (!shown.isEmpty()) {
      b.append(
          String.format(
              Locale.ROOT,
              "  %-" + NAME + "s %-6s %-11s %7s %10s %6s %7s%n",
              "owner",
              "light",
              "state",
              "files",
              "bytes",
              "failed",
              "skipped"));
      for (OwnerRunRow o : shown) {
        RunRow r = o.run();
        long skipped =
            r.mode() == RunMode.DRY_RUN
                ? Math.max(0, r.filesSkipped() - r.filesToCopy())
                : r.filesSkipped();
        b.append(
            String.format(
                Locale.ROOT,
                "  %-" + NAME + "s %-6s %-11s %7s %10s %6s %7s%n",
                fit(Summary.printable(name(o)), NAME),
                o.light() == null ? "-" : o.light(),
                state(o),
                Units.count(r.filesTotal()),
                Units.bytes(r.bytesTotal()),
                Units.count(r.filesFailed()),
                Units.count(skipped)));
        if (("red".equals(o.light()) || "cancelled".equals(o.state())) && r.message() != null) {
          b.append("    ").append(fit(Summary.printable(r.message()), 74)).append('\n');
        }
      }
    }
    long notShownAttention =
        sorted.stream().filter(o -> !"green".equals(o.light())).count()
            - shown.stream().filter(o -> !"green".equals(o.light())).count();
    if (notShownAttention > 0) {
      b.append("  ... and ")
          .append(Units.count(notShownAttention))
          .append(" more not green (see the report)\n");
    }
    if (!all && green > 0) {
      b.append("  and ")
          .append(Units.count(green))
          .append(green == 1 ? " green owner" : " green owners")
          .append(": every file done\n");
    }
    return b.toString();
  }

  private static int rank(OwnerRunRow o) {
    if (o.light() == null) {
      return 2;
    }
    return switch (o.light()) {
      case "red" -> 0;
      case "yellow" -> 1;
      default -> 3;
    };
  }

  static String name(OwnerRunRow o) {
    return o.owner().name() != null ? o.owner().name() : o.owner().sourcePath();
  }

  /** The state in at most 11 characters ("with errors" for completed with errors). */
  private static String state(OwnerRunRow o) {
    return o.state().equals("completed_with_errors") ? "with errors" : fit(o.state(), 11);
  }

  /** {@code s} cut to {@code n} characters, with an ellipsis when cut. */
  static String fit(String s, int n) {
    return s.length() <= n ? s : s.substring(0, n - 1) + "…";
  }
}
