package dev.ferry.api.cli;

import dev.ferry.activities.catalog.RunRow;
import dev.ferry.workflows.JobState;
import java.io.PrintStream;
import java.util.Locale;
import me.tongfei.progressbar.ConsoleProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

/**
 * Shows a run's live figures: on a terminal a progress bar (bytes, speed, ETA, files done/total);
 * otherwise a plain line every few seconds. Fed from the catalog's run row.
 */
final class ProgressView implements AutoCloseable {
  private static final long PLAIN_EVERY_NANOS = 5_000_000_000L;

  private final PrintStream out;
  private final boolean terminal;
  private ProgressBar bar;
  private JobState lastState;
  private long lastPlain;
  private long startNanos = System.nanoTime();
  private long startBytes = -1;

  ProgressView(PrintStream out, boolean terminal) {
    this.out = out;
    this.terminal = terminal;
  }

  void update(RunRow run) {
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
        startNanos = System.nanoTime();
        startBytes = run.bytesDone();
      } else if (run.state() == JobState.PAUSED) {
        out.println("Paused.");
      }
    }
    if (run.state() != JobState.RUNNING) {
      return;
    }
    String files =
        Units.count(run.filesDone())
            + "/"
            + Units.count(run.filesToCopy())
            + " files"
            + (run.filesFailed() > 0 ? ", " + Units.count(run.filesFailed()) + " failed" : "");
    if (terminal) {
      if (bar == null) {
        bar =
            new ProgressBarBuilder()
                .setTaskName("Copying")
                .setInitialMax(Math.max(1, run.bytesToCopy()))
                .setUnit("MiB", 1 << 20)
                .showSpeed()
                .setStyle(ProgressBarStyle.COLORFUL_UNICODE_BLOCK)
                .setConsumer(new ConsoleProgressBarConsumer(out))
                .build();
      }
      bar.stepTo(Math.min(run.bytesDone(), Math.max(1, run.bytesToCopy())));
      bar.setExtraMessage(files);
      return;
    }
    long now = System.nanoTime();
    if (now - lastPlain >= PLAIN_EVERY_NANOS) {
      lastPlain = now;
      double secs = Math.max(0.001, (now - startNanos) / 1e9);
      double rate = Math.max(0, run.bytesDone() - Math.max(0, startBytes)) / secs;
      long left = Math.max(0, run.bytesToCopy() - run.bytesDone());
      String eta = rate > 0 ? Units.duration(left / rate) : "unknown";
      out.printf(
          Locale.ROOT,
          "progress: %s, %s of %s, %s/s, ETA %s%n",
          files,
          Units.bytes(run.bytesDone()),
          Units.bytes(run.bytesToCopy()),
          Units.bytes(rate),
          eta);
    }
  }

  @Override
  public void close() {
    if (bar != null) {
      bar.close();
      bar = null;
    }
  }
}
