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
 * @param acceptAltered which files the destination stored but altered (a SharePoint library's
 *     metadata in Office files) count as good copies: {@code none} (the default: each is reported
 *     {@code altered} and the run ends with errors), {@code office} (Office documents: Word, Excel,
 *     PowerPoint, Visio) or {@code all}. An accepted one is still reported {@code altered}, is kept
 *     as the job's copy (the next incremental run leaves it alone), and its source is never deleted
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
    ShardOptions shards,
    String acceptAltered) {

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
    acceptAltered = acceptAltered == null ? ACCEPT_NONE : acceptAltered;
    if (!ACCEPT.contains(acceptAltered)) {
      throw new IllegalArgumentException(
          "acceptAltered must be 'none', 'office' or 'all', not '" + acceptAltered + "'");
    }
  }

  /** The same options with shards (compatibility: accepting no altered file). */
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
      String links,
      ShardOptions shards) {
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
        shards,
        null);
  }

  public static final String ACCEPT_NONE = "none";
  public static final String ACCEPT_OFFICE = "office";
  public static final String ACCEPT_ALL = "all";
  public static final List<String> ACCEPT = List.of(ACCEPT_NONE, ACCEPT_OFFICE, ACCEPT_ALL);

  /** Extensions of the Office documents {@code acceptAltered=office} accepts. */
  public static final java.util.Set<String> OFFICE_EXTENSIONS =
      java.util.Set.of(
          "doc", "docx", "docm", "dot", "dotx", "dotm", "xls", "xlsx", "xlsm", "xlsb", "xlt",
          "xltx", "xltm", "ppt", "pptx", "pptm", "pot", "potx", "potm", "pps", "ppsx", "ppsm",
          "vsd", "vsdx", "vsdm");

  /** Whether a copy of {@code path} the destination altered is accepted as good. */
  public boolean acceptsAltered(String path) {
    return switch (acceptAltered) {
      case ACCEPT_ALL -> true;
      case ACCEPT_OFFICE -> {
        String name = path.substring(path.lastIndexOf('/') + 1);
        int dot = name.lastIndexOf('.');
        yield dot > 0
            && OFFICE_EXTENSIONS.contains(
                name.substring(dot + 1).toLowerCase(java.util.Locale.ROOT));
      }
      default -> false;
    };
  }

  /** The same options accepting other altered files ({@code none}, {@code office}, {@code all}). */
  public RunOptions withAcceptAltered(String accept) {
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
        shards,
        accept);
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
        s,
        acceptAltered);
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
