package dev.ferry.workflows;

/**
 * What the activities report with each heartbeat: labelled figures (never a file name), shown as
 * the pending activity's heartbeat details in the Temporal UI and {@code temporal workflow
 * describe}.
 */
public final class Heartbeats {
  private Heartbeats() {}

  /**
   * A transfer batch in progress.
   *
   * @param entriesDone entries of the batch copied so far (files, folders, links)
   * @param entriesInBatch entries the batch was given (its manifest rows: files and folders)
   * @param bytesDone bytes of the files copied plus those read of the files in flight
   * @param bytesInBatch bytes the batch was given
   */
  public record Batch(long entriesDone, long entriesInBatch, long bytesDone, long bytesInBatch) {}

  /**
   * A scan in progress.
   *
   * @param pathsListed paths listed so far, source and destination
   */
  public record Scan(long pathsListed) {}
}
