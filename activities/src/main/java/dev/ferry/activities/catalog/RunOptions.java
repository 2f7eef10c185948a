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
 * @param links what to do with a symbolic link at the source: {@code skip} (report it as skipped,
 *     the default), {@code follow} (copy what it leads to when that lies inside the source root;
 *     refuse it otherwise) or {@code preserve} (recreate the link, on destinations that hold links)
 * @param shards when a large owner is split into shards (null: the defaults)
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
    String names,
    String links,
    ShardOptions shards) {

  public static final int MIN_CHUNK_MIB = 5;
  public static final int MAX_CHUNK_MIB = 256;

  public static final String NAMES_REFUSE = "refuse";
  public static final String NAMES_REMAP = "remap";

  public static final String LINKS_SKIP = "skip";
  public static final String LINKS_FOLLOW = "follow";
  public static final String LINKS_PRESERVE = "preserve";
  public static final java.util.List<String> LINKS =
      List.of(LINKS_SKIP, LINKS_FOLLOW, LINKS_PRESERVE);

  public RunOptions {
    names = names == null ? NAMES_REFUSE : names;
    if (!names.equals(NAMES_REFUSE) && !names.equals(NAMES_REMAP)) {
      throw new IllegalArgumentException("names must be 'refuse' or 'remap', not '" + names + "'");
    }
    links = links == null ? LINKS_SKIP : links;
    if (!LINKS.contains(links)) {
      throw new IllegalArgumentException(
          "links must be 'skip', 'follow' or 'preserve', not '" + links + "'");
    }
    include = include == null ? List.of() : List.copyOf(include);
    exclude = exclude == null ? List.of() : List.copyOf(exclude);
    shards = shards == null ? ShardOptions.defaults() : shards;
  }

  /** Options with the default shard thresholds. */
  public RunOptions(
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
      String names,
      String links) {
    this(
        include,
        exclude,
        olderThanMillis,
        newerThanMillis,
        concurrency,
        chunkSizeMiB,
        bwlimitMbps,
        verify,
        deleteSource,
        removeEmptyDirs,
        s3Endpoint,
        names,
        links,
        null);
  }

  /** The same options with other shard thresholds. */
  public RunOptions withShards(ShardOptions s) {
    return new RunOptions(
        include,
        exclude,
        olderThanMillis,
        newerThanMillis,
        concurrency,
        chunkSizeMiB,
        bwlimitMbps,
        verify,
        deleteSource,
        removeEmptyDirs,
        s3Endpoint,
        names,
        links,
        s);
  }

  /** Options without a choice for links: they are skipped. */
  public RunOptions(
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
    this(
        include,
        exclude,
        olderThanMillis,
        newerThanMillis,
        concurrency,
        chunkSizeMiB,
        bwlimitMbps,
        verify,
        deleteSource,
        removeEmptyDirs,
        s3Endpoint,
        names,
        LINKS_SKIP);
  }

  /** Whether the source's symbolic links are followed. */
  public boolean followLinks() {
    return LINKS_FOLLOW.equals(links);
  }

  /** Whether the source's symbolic links are recreated at the destination. */
  public boolean preserveLinks() {
    return LINKS_PRESERVE.equals(links);
  }

  public static RunOptions defaults() {
    return new RunOptions(
        List.of(), List.of(), -1, -1, 4, 8, 0, true, false, false, null, NAMES_REFUSE, LINKS_SKIP);
  }

  /** Whether refused names are copied under a remapped name. */
  public boolean remapNames() {
    return NAMES_REMAP.equals(names);
  }

  public long partSizeBytes() {
    return (long) chunkSizeMiB << 20;
  }
}
