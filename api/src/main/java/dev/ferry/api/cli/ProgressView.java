package dev.ferry.api.cli;

import dev.ferry.activities.catalog.Catalog;
import dev.ferry.activities.catalog.RunRow;
import dev.ferry.workflows.JobState;
import java.io.PrintStream;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Locale;
import me.tongfei.progressbar.ConsoleProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressState;

/**
 * Shows a run's live figures: on a terminal a progress bar (me.tongfei progressbar, with a renderer
 * of ours: bytes done of the total to copy, speed, ETA, files finished of the files to copy, the
 * file in flight, a retry in progress); otherwise a plain line every few seconds. Fed from the
 * catalog: the run row (files and bytes of finished files, counted when their outcomes are
 * recorded) plus the batches' work in flight, so the figures move while a large file is copied,
 * never count a byte twice and never pass the total. The last frame, drawn from the run's final
 * row, says 100% and every file when the run went to its end.
 */
final class ProgressView implements AutoCloseable {
  private static final long PLAIN_EVERY_NANOS = 5_000_000_000L;
  private static final long RATE_WINDOW_NANOS = 10_000_000_000L;

  private final PrintStream out;
  private final boolean terminal;
  private ProgressBar bar;
  private JobState lastState;
  private long lastPlain;
  private final Deque<long[]> samples = new ArrayDeque<>(); // {nanos, bytes}
  private volatile Frame frame = new Frame(0, 1, 0, 0, 0, 0, null, null);
  private String retry;

  /** What the bar shows; immutable, swapped as a whole. */
  record Frame(
      long bytes,
      long bytesTotal,
      long files,
      long filesTotal,
      long failed,
      double rate,
      String file,
      String retry) {}

  ProgressView(PrintStream out, boolean terminal) {
    this.out = out;
    this.terminal = terminal;
  }

  /** A retry the run is waiting on (shown until {@code null} is given), or null. */
  void retrying(String what) {
    if (what != null && !what.equals(retry) && !(terminal && bar != null)) {
      out.println(what);
    }
    retry = what;
  }

  void update(RunRow run, Catalog.InFlight inFlight) {
    if (run.state() != lastState) {
      lastState = run.state();
      if (run.state() == JobState.SCANNING) {
        out.println("Scanning source and destination...");
      } else if (run.state() == JobState.RUNNING && bar == null) {
        out.printf(
            Locale.ROOT,
            "Found %s files (%s); %s to transfer (%s), %s unchanged.%n",
            Units.count(run.filesTotal()),
            Units.bytes(run.bytesTotal()),
            Units.count(run.filesToCopy()),
            Units.bytes(run.bytesToCopy()),
            Units.count(run.filesUnchanged()));
      } else if (run.state() == JobState.PAUSED) {
        out.println("Paused.");
      }
    }
    if (run.state() != JobState.RUNNING) {
      return;
    }
    long now = System.nanoTime();
    frame = frameOf(run, inFlight, rate(now, done(run, inFlight)), false);
    if (terminal) {
      if (bar == null) {
        bar =
            new ProgressBarBuilder()
                .setTaskName("Copying")
                .setInitialMax(frame.bytesTotal())
                .setRenderer(this::render)
                .setUpdateIntervalMillis(250)
                // an explicit width: left to itself the library sets up a JLine terminal to
                // ask, which resets SIGINT to its default, so Ctrl-C killed the JVM before the
                // shutdown hook could cancel the run
                .setConsumer(new ConsoleProgressBarConsumer(out, columns()))
                .build();
      }
      bar.stepTo(frame.bytes());
      return;
    }
    if (now - lastPlain >= PLAIN_EVERY_NANOS) {
      lastPlain = now;
      out.println("progress: " + plain(frame));
    }
  }

  /** The terminal's width as the launcher read it ({@code -Dferry.columns}), else 100. */
  static int columns() {
    int c = Integer.getInteger("ferry.columns", 0);
    return c >= 20 ? c : 100;
  }

  /** Draws the last frame from the run's final row; then the bar is closed. */
  void finish(RunRow run) {
    if (bar == null) {
      return;
    }
    boolean wentToItsEnd =
        run.state() == JobState.COMPLETED || run.state() == JobState.COMPLETED_WITH_ERRORS;
    frame = frameOf(run, Catalog.InFlight.NONE, frame.rate(), wentToItsEnd);
    retry = null;
    bar.stepTo(frame.bytes());
    bar.refresh();
  }

  private static long done(RunRow run, Catalog.InFlight inFlight) {
    return run.bytesFinished() + inFlight.bytes();
  }

  private Frame frameOf(RunRow run, Catalog.InFlight inFlight, double rate, boolean allDone) {
    long total = Math.max(1, run.bytesToCopy());
    long bytes = allDone ? total : Math.min(done(run, inFlight), total);
    long files = allDone ? run.filesToCopy() : Math.min(run.filesFinished(), run.filesToCopy());
    return new Frame(
        bytes,
        total,
        files,
        run.filesToCopy(),
        run.filesFailed(),
        rate,
        allDone ? null : inFlight.file(),
        allDone ? null : retry);
  }

  /** Bytes per second over the last ten seconds. */
  private double rate(long now, long bytes) {
    if (!samples.isEmpty() && bytes < samples.peekLast()[1]) {
      samples.clear(); // a batch started again: its dead attempt's bytes were dropped
    }
    samples.addLast(new long[] {now, bytes});
    while (samples.size() > 2 && now - samples.peekFirst()[0] > RATE_WINDOW_NANOS) {
      samples.removeFirst();
    }
    long[] first = samples.peekFirst();
    double secs = (now - first[0]) / 1e9;
    return secs < 0.5 ? frame.rate() : Math.max(0, bytes - first[1]) / secs;
  }

  private static String eta(Frame f) {
    long left = f.bytesTotal() - f.bytes();
    if (left <= 0) {
      return "0.0 s";
    }
    return f.rate() > 0 ? Units.duration(left / f.rate()) : "unknown";
  }

  private static String files(Frame f) {
    return Units.count(f.files())
        + " of "
        + Units.count(f.filesTotal())
        + " files"
        + (f.failed() > 0 ? " (" + Units.count(f.failed()) + " failed)" : "");
  }

  static String plain(Frame f) {
    return String.format(
        Locale.ROOT,
        "%s, %s of %s, %s/s, ETA %s%s%s",
        files(f),
        Units.bytes(f.bytes()),
        Units.bytes(f.bytesTotal()),
        Units.bytes(f.rate()),
        eta(f),
        f.file() == null ? "" : ", now " + f.file(),
        f.retry() == null ? "" : "; " + f.retry());
  }

  /**
   * One line that fits {@code maxLength} columns: {@code Copying 64% [===== ] 185.5 MiB/287.3 MiB
   * 69.4 MiB/s ETA 1.5 s 50/51 files big.iso}. The figures come first; the bar takes the room left
   * (none on a narrow terminal), then the file in flight or the retry being waited on.
   */
  String render(ProgressState state, int maxLength) {
    Frame f = frame;
    int width = Math.max(20, Math.min(maxLength, 200));
    int pct = (int) Math.floor(100.0 * f.bytes() / f.bytesTotal());
    String head = String.format(Locale.ROOT, "Copying %3d%%", pct);
    String figures =
        String.format(
            Locale.ROOT,
            " %s/%s %s/s ETA %s %s/%s files%s",
            Units.bytes(f.bytes()),
            Units.bytes(f.bytesTotal()),
            Units.bytes(f.rate()),
            eta(f),
            Units.count(f.files()),
            Units.count(f.filesTotal()),
            f.failed() > 0 ? " (" + Units.count(f.failed()) + " failed)" : "");
    String tail = f.retry() != null ? f.retry() : f.file();
    // the last column is never written: a terminal wraps a line that fills it
    int avail = width - 1;
    if (head.length() + figures.length() > avail) {
      head = String.format(Locale.ROOT, "%3d%%", pct); // the figures before the word
    }
    int room = avail - head.length() - figures.length() - 3;
    int tailRoom = tail == null ? 0 : Math.min(tail.length() + 1, Math.max(0, room - 10));
    int barWidth = Math.min(30, room - tailRoom);
    StringBuilder line = new StringBuilder(head);
    if (barWidth >= 5) {
      int filled = (int) Math.round(barWidth * (double) f.bytes() / f.bytesTotal());
      line.append(" [")
          .append("=".repeat(filled))
          .append(" ".repeat(barWidth - filled))
          .append(']');
    }
    line.append(figures);
    if (tail != null && avail - line.length() > 4) {
      int max = avail - line.length() - 1;
      // a file keeps the end of its path (its name), a retry the start of its sentence
      line.append(' ')
          .append(
              f.retry() != null
                  ? (tail.length() <= max ? tail : tail.substring(0, max - 1) + "…")
                  : ellipsize(tail, max));
    }
    // padded, so that a shorter line leaves nothing of the longer one before it
    return line.length() > avail
        ? line.substring(0, avail)
        : line + " ".repeat(avail - line.length());
  }

  /** {@code s} cut to {@code max} characters, keeping its end (the file's name). */
  static String ellipsize(String s, int max) {
    if (s.length() <= max) {
      return s;
    }
    return max <= 1 ? "…" : "…" + s.substring(s.length() - (max - 1));
  }

  @Override
  public void close() {
    if (bar != null) {
      bar.close();
      bar = null;
    }
  }
}
