package dev.ferry.workflows;

import java.util.Locale;

/**
 * A run's figures as the workflow knows them: those of the batches ended, plus, in the {@code
 * progress} query and the current details, what the batches in flight reported so far ({@link
 * BatchProgress}, every few seconds). The catalog's run row has the same live figures.
 *
 * @param state the run's state
 * @param filesTotal files found by the scan (after filters)
 * @param bytesTotal bytes in those files
 * @param filesToTransfer files the plan found new or changed
 * @param bytesToTransfer bytes in those files
 * @param filesTransferred files copied and verified
 * @param bytesTransferred bytes in those files
 * @param filesUnchanged files already present and equal at the destination
 * @param filesSkipped files not transferred on purpose (dry run, refused names)
 * @param filesFailed files that failed after their last attempt
 * @param batchesDone transfer batches finished in this run
 * @param message the reason when the run failed, else null
 */
public record Progress(
    JobState state,
    long filesTotal,
    long bytesTotal,
    long filesToTransfer,
    long bytesToTransfer,
    long filesTransferred,
    long bytesTransferred,
    long filesUnchanged,
    long filesSkipped,
    long filesFailed,
    long batchesDone,
    String message) {

  public static Progress created() {
    return new Progress(JobState.CREATED, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, null);
  }

  public Progress withState(JobState s) {
    return new Progress(
        s,
        filesTotal,
        bytesTotal,
        filesToTransfer,
        bytesToTransfer,
        filesTransferred,
        bytesTransferred,
        filesUnchanged,
        filesSkipped,
        filesFailed,
        batchesDone,
        message);
  }

  public Progress withMessage(String m) {
    return new Progress(
        state,
        filesTotal,
        bytesTotal,
        filesToTransfer,
        bytesToTransfer,
        filesTransferred,
        bytesTransferred,
        filesUnchanged,
        filesSkipped,
        filesFailed,
        batchesDone,
        m);
  }

  public Progress scanned(ScanResult r) {
    return new Progress(
        state,
        r.files(),
        r.bytes(),
        r.filesToTransfer(),
        r.bytesToTransfer(),
        filesTransferred,
        bytesTransferred,
        r.unchanged(),
        r.skipped(),
        r.failed(),
        batchesDone,
        message);
  }

  /** These figures plus what a batch still in flight has done so far (not counted as done). */
  public Progress withInFlight(BatchResult b) {
    return new Progress(
        state,
        filesTotal,
        bytesTotal,
        filesToTransfer,
        bytesToTransfer,
        filesTransferred + b.transferred(),
        bytesTransferred + b.bytesTransferred(),
        filesUnchanged + b.unchanged(),
        filesSkipped + b.skipped(),
        filesFailed + b.failed(),
        batchesDone,
        message);
  }

  public Progress plus(BatchResult b) {
    return new Progress(
        state,
        filesTotal,
        bytesTotal,
        filesToTransfer,
        bytesToTransfer,
        filesTransferred + b.transferred(),
        bytesTransferred + b.bytesTransferred(),
        filesUnchanged + b.unchanged(),
        filesSkipped + b.skipped(),
        filesFailed + b.failed(),
        batchesDone + 1,
        message);
  }

  /**
   * The figures as the Temporal UI shows them in a workflow's current details (Markdown): phase,
   * files and bytes done of the total, failures, and the reason of a failed run.
   */
  public String details(String phase) {
    StringBuilder b = new StringBuilder();
    b.append("**").append(phase.replace('_', ' ')).append("**  \n");
    long filesDone = filesTransferred + filesUnchanged + filesSkipped + filesFailed;
    b.append(
        String.format(
            Locale.ROOT,
            "%,d of %,d files done · %s of %s transferred",
            filesDone,
            Math.max(filesTotal, filesDone),
            bytes(bytesTransferred),
            bytes(Math.max(bytesToTransfer, bytesTransferred))));
    if (filesFailed > 0) {
      b.append(
          String.format(
              Locale.ROOT, "  \n%,d file%s failed", filesFailed, filesFailed == 1 ? "" : "s"));
    }
    if (filesSkipped > 0) {
      b.append(String.format(Locale.ROOT, "  \n%,d skipped", filesSkipped));
    }
    if (message != null) {
      b.append("  \n").append(message);
    }
    return b.toString();
  }

  /** Bytes in binary units, e.g. {@code 12.3 MiB}. */
  static String bytes(long n) {
    if (n < 1024) {
      return n + " B";
    }
    String units = "KMGTPE";
    double v = n;
    int u = -1;
    while (v >= 1024 && u < units.length() - 1) {
      v /= 1024;
      u++;
    }
    return String.format(Locale.ROOT, "%.1f %siB", v, units.charAt(u));
  }
}
