package dev.ferry.activities.catalog;

import java.util.List;

/**
 * Everything a run was asked to do besides its live limits, stored with the run as JSON.
 *
 * @param include globs a file must match one of (empty: all files)
 * @param exclude globs that exclude a file (exclude wins over include)
 * @param olderThanMillis only files modified before this epoch-millisecond instant, or -1
 * @param newerThanMillis only files modified after this epoch-millisecond instant, or -1
 * @param concurrency parallel streams
 * @param chunkSizeMiB multipart part size in MiB
 * @param bwlimitMbps bandwidth cap for the job in Mbps, 0 for none
 * @param verify verify each copy after upload
 * @param deleteSource delete each source file once its copy is verified
 * @param removeEmptyDirs remove source folders left empty by deleteSource
 * @param s3Endpoint endpoint of an S3-compatible server for s3:// locations, or null for AWS /
 *     AWS_ENDPOINT_URL
 * @param names what to do with a path the destination would refuse: {@code refuse} (report and skip
 *     it) or {@code remap} (copy it under a name the destination takes; the report pairs both)
 */
public record RunOptions(
    List<String> include,
    List<String> exclude,
    long olderThanMillis,
    long newerThanMillis,
    int concurrency,
    int chunkSizeMiB,
    double bwlimitMbps,
    boolean verify,
    boolean deleteSource,
    boolean removeEmptyDirs,
    String s3Endpoint,
    String names) {

  public static final int MIN_CHUNK_MIB = 5;
  public static final int MAX_CHUNK_MIB = 256;

  public static final String NAMES_REFUSE = "refuse";
  public static final String NAMES_REMAP = "remap";

  public RunOptions {
    names = names == null ? NAMES_REFUSE : names;
    if (!names.equals(NAMES_REFUSE) && !names.equals(NAMES_REMAP)) {
      throw new IllegalArgumentException("names must be 'refuse' or 'remap', not '" + names + "'");
    }
    include = include == null ? List.of() : List.copyOf(include);
    exclude = exclude == null ? List.of() : List.copyOf(exclude);
  }

  public static RunOptions defaults() {
    return new RunOptions(
        List.of(), List.of(), -1, -1, 4, 8, 0, true, false, false, null, NAMES_REFUSE);
  }

  /** Whether refused names are copied under a remapped name. */
  public boolean remapNames() {
    return NAMES_REMAP.equals(names);
  }

  public long partSizeBytes() {
    return (long) chunkSizeMiB << 20;
  }
}
