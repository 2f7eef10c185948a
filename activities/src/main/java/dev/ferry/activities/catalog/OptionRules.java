package dev.ferry.activities.catalog;

import dev.ferry.activities.engine.Filters;
import dev.ferry.workflows.Limits;
import dev.ferry.workflows.MigrationInput;
import java.time.Instant;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * The rules of a run's options, in one place for both front doors: {@code ferry migrate}'s flags
 * ({@code MigrateCommand}) and a job's {@code filters} and {@code options} in the API ({@code
 * JobOptions}). Each front door reads its values (types: picocli's converters, the API's {@code
 * Input}) and hands them here as a {@link Draft}; every problem comes back as one message that says
 * what is allowed, naming options as that front door names them ({@link Side}): {@code
 * --delete-source} on the command line, {@code deleteSource} in the API.
 */
public final class OptionRules {
  private OptionRules() {}

  /** The highest bandwidth cap a run may be given, in Mbps. */
  public static final double MAX_BWLIMIT_MBPS = 1_000_000;

  /** The most patterns of {@code include} or of {@code exclude}. */
  public static final int MAX_GLOBS = 200;

  /** The longest pattern, in characters. */
  public static final int MAX_GLOB_LENGTH = 1000;

  /** The highest shard thresholds. */
  public static final long MAX_SHARD_ITEMS = 1_000_000_000_000L;

  public static final long MAX_SHARD_BYTES = 1_000_000_000_000_000_000L;

  /** The longest split point, in characters. */
  public static final int MAX_SPLIT_POINT_LENGTH = 4096;

  /** An option both front doors have: its flag and its field in the API. */
  public enum Option {
    INCLUDE("--include", "filters.include"),
    EXCLUDE("--exclude", "filters.exclude"),
    OLDER_THAN("--older-than", "filters.olderThan"),
    NEWER_THAN("--newer-than", "filters.newerThan"),
    CONCURRENCY("--concurrency", "options.concurrency"),
    CHUNK_SIZE("--chunk-size", "options.chunkSizeMiB"),
    BWLIMIT("--bwlimit", "options.bwlimitMbps"),
    VERIFY("--no-verify", "options.verify"),
    DELETE_SOURCE("--delete-source", "options.deleteSource"),
    REMOVE_EMPTY_DIRS("--remove-empty-dirs", "options.removeEmptyDirs"),
    NAMES("--names", "options.names"),
    LINKS("--links", "options.links"),
    RETRIES("--retries", "options.retries"),
    ACCEPT_ALTERED("--accept-altered", "options.acceptAltered"),
    SHARD_ITEMS("--shard-items", "options.shards.items"),
    SHARD_BYTES(null, "options.shards.bytes"), // no flag: ferry migrate uses the default
    SPLIT_AT("--split-at", "options.shards.splitAt");

    /** The flag of {@code ferry migrate}, or null when it has none. */
    public final String flag;

    /** The field of a job in the API, with its object ({@code options.concurrency}). */
    public final String field;

    Option(String flag, String field) {
      this.flag = flag;
      this.field = field;
    }

    /** The field's name in its object ({@code concurrency}). */
    public String key() {
      return field.substring(field.lastIndexOf('.') + 1);
    }
  }

  /** Which front door a message is for: how it names an option. */
  public enum Side {
    CLI,
    API;

    /** How a message of this side names {@code o}. */
    public String name(Option o) {
      return this == CLI ? o.flag : o.key();
    }

    /** How a message of this side says "verification off". */
    String verifyOff() {
      return this == CLI ? "--no-verify" : "verify=false";
    }
  }

  /**
   * A problem with an option: {@code index} is the list element it is about ({@code include[2]}),
   * or -1 for the option as a whole; {@code message} says what is allowed, naming the other options
   * as {@code side} names them.
   */
  public record Problem(Option option, int index, String message) {
    /** The API's field: {@code options.concurrency}, {@code filters.include[2]}. */
    public String field() {
      return index < 0 ? option.field : option.field + "[" + index + "]";
    }

    /** The command line's line: {@code --concurrency must be between 1 and 32 (got 40)}. */
    public String line() {
      return option.flag + " " + message;
    }
  }

  /**
   * The options as given, before anything is resolved: ages ({@code 30d}) as text; whole numbers as
   * longs, so a value out of range is reported as such. {@code names}, {@code links} and {@code
   * acceptAltered} may be null (the default).
   */
  public record Draft(
      List<String> include,
      List<String> exclude,
      String olderThan,
      String newerThan,
      long concurrency,
      long chunkSizeMiB,
      double bwlimitMbps,
      boolean verify,
      boolean deleteSource,
      boolean removeEmptyDirs,
      String names,
      String links,
      long retries,
      long shardItems,
      long shardBytes,
      List<String> splitAt,
      String acceptAltered) {
    public Draft {
      include = include == null ? List.of() : include;
      exclude = exclude == null ? List.of() : exclude;
      splitAt = splitAt == null ? List.of() : splitAt;
    }
  }

  /** Every problem of {@code d}, in the order of the options; empty when it may run. */
  public static List<Problem> problems(Draft d, Side side, Instant now) {
    List<Problem> out = new ArrayList<>();
    globs(Option.INCLUDE, d.include(), out);
    globs(Option.EXCLUDE, d.exclude(), out);
    long older = time(Option.OLDER_THAN, d.olderThan(), now, out);
    long newer = time(Option.NEWER_THAN, d.newerThan(), now, out);
    if (older >= 0 && newer >= 0 && newer >= older) {
      out.add(
          new Problem(
              Option.NEWER_THAN,
              -1,
              "must be earlier than " + side.name(Option.OLDER_THAN) + ", or no file can match"));
    }
    String c = concurrency(d.concurrency());
    if (c != null) {
      out.add(new Problem(Option.CONCURRENCY, -1, c));
    }
    if (d.chunkSizeMiB() < RunOptions.MIN_CHUNK_MIB
        || d.chunkSizeMiB() > RunOptions.MAX_CHUNK_MIB) {
      out.add(
          new Problem(
              Option.CHUNK_SIZE,
              -1,
              "must be between "
                  + RunOptions.MIN_CHUNK_MIB
                  + " and "
                  + RunOptions.MAX_CHUNK_MIB
                  + " MiB (got "
                  + d.chunkSizeMiB()
                  + "; S3 parts must be at least 5 MiB)"));
    }
    String b = bwlimit(d.bwlimitMbps());
    if (b != null) {
      out.add(new Problem(Option.BWLIMIT, -1, b));
    }
    if (d.removeEmptyDirs() && !d.deleteSource()) {
      out.add(
          new Problem(
              Option.REMOVE_EMPTY_DIRS,
              -1,
              "only applies with " + side.name(Option.DELETE_SOURCE)));
    }
    if (d.deleteSource() && !d.verify()) {
      out.add(
          new Problem(
              Option.DELETE_SOURCE,
              -1,
              "deletes only verified copies: it cannot be combined with " + side.verifyOff()));
    }
    if (d.names() != null
        && !List.of(RunOptions.NAMES_REFUSE, RunOptions.NAMES_REMAP).contains(d.names())) {
      out.add(
          new Problem(Option.NAMES, -1, "must be 'refuse' or 'remap' (got '" + d.names() + "')"));
    }
    if (d.links() != null && !RunOptions.LINKS.contains(d.links())) {
      out.add(
          new Problem(
              Option.LINKS,
              -1,
              "must be 'skip', 'follow' or 'preserve' (got '" + d.links() + "')"));
    } else if (RunOptions.LINKS_FOLLOW.equals(d.links()) && d.deleteSource()) {
      out.add(
          new Problem(
              Option.LINKS,
              -1,
              "follow reaches a file through its links as well as its own path: it cannot be"
                  + " combined with "
                  + side.name(Option.DELETE_SOURCE)));
    }
    if (d.retries() < 0 || d.retries() > MigrationInput.MAX_RETRIES) {
      out.add(
          new Problem(
              Option.RETRIES,
              -1,
              "must be between 0 and "
                  + MigrationInput.MAX_RETRIES
                  + " (got "
                  + d.retries()
                  + ")"));
    }
    if (d.acceptAltered() != null && !RunOptions.ACCEPT.contains(d.acceptAltered())) {
      out.add(
          new Problem(
              Option.ACCEPT_ALTERED,
              -1,
              "must be none, office or all (got '" + d.acceptAltered() + "')"));
    }
    if (d.shardItems() < 1 || d.shardItems() > MAX_SHARD_ITEMS) {
      out.add(
          new Problem(
              Option.SHARD_ITEMS,
              -1,
              "must be between 1 and " + MAX_SHARD_ITEMS + " (got " + d.shardItems() + ")"));
    }
    if (d.shardBytes() < 1 || d.shardBytes() > MAX_SHARD_BYTES) {
      out.add(
          new Problem(
              Option.SHARD_BYTES,
              -1,
              "must be between 1 and " + MAX_SHARD_BYTES + " (got " + d.shardBytes() + ")"));
    }
    splitAt(d.splitAt(), out);
    return out;
  }

  /** Why {@code n} cannot be the concurrency, or null. */
  public static String concurrency(long n) {
    return n < 1 || n > Limits.MAX_CONCURRENCY
        ? "must be between 1 and " + Limits.MAX_CONCURRENCY + " (got " + n + ")"
        : null;
  }

  /** Why {@code mbps} cannot be the bandwidth cap, or null. */
  public static String bwlimit(double mbps) {
    return mbps >= 0 && mbps <= MAX_BWLIMIT_MBPS
        ? null
        : "must be between 0 and "
            + number(MAX_BWLIMIT_MBPS)
            + " Mbps, 0 for no limit (got "
            + number(mbps)
            + ")";
  }

  /** {@code spec} resolved at {@code now} in epoch milliseconds, or -1 for none. */
  public static long millis(String spec, Instant now) {
    return spec == null ? -1 : TimeSpec.parse(spec, now, ZoneId.systemDefault()).toEpochMilli();
  }

  private static void globs(Option o, List<String> globs, List<Problem> out) {
    if (globs.size() > MAX_GLOBS) {
      out.add(
          new Problem(
              o, -1, "takes at most " + MAX_GLOBS + " patterns (got " + globs.size() + ")"));
      return;
    }
    for (int i = 0; i < globs.size(); i++) {
      String g = globs.get(i);
      int length = g.codePointCount(0, g.length());
      if (length > MAX_GLOB_LENGTH) {
        out.add(
            new Problem(
                o,
                i,
                "a pattern must be at most "
                    + MAX_GLOB_LENGTH
                    + " characters (got "
                    + length
                    + ")"));
        continue;
      }
      String p = Filters.problem(g);
      if (p != null) {
        out.add(new Problem(o, i, "'" + g + "' is not a valid pattern: " + p));
      }
    }
  }

  private static long time(Option o, String spec, Instant now, List<Problem> out) {
    if (spec == null) {
      return -1;
    }
    try {
      return millis(spec, now);
    } catch (IllegalArgumentException e) {
      out.add(new Problem(o, -1, e.getMessage()));
      return -1;
    }
  }

  private static void splitAt(List<String> points, List<Problem> out) {
    if (points.size() > ShardOptions.MAX_SPLIT_POINTS) {
      out.add(
          new Problem(
              Option.SPLIT_AT,
              -1,
              "takes at most "
                  + ShardOptions.MAX_SPLIT_POINTS
                  + " split points (got "
                  + points.size()
                  + ")"));
      return;
    }
    Set<String> seen = new HashSet<>();
    for (int i = 0; i < points.size(); i++) {
      String p = points.get(i);
      int length = p.codePointCount(0, p.length());
      String why =
          length > MAX_SPLIT_POINT_LENGTH
              ? "is longer than " + MAX_SPLIT_POINT_LENGTH + " characters (" + length + ")"
              : ShardOptions.problem(p);
      if (why != null) {
        out.add(
            new Problem(
                Option.SPLIT_AT,
                i,
                "'"
                    + (length > 100 ? p.substring(0, 100) + "…" : p)
                    + "' "
                    + why
                    + " (e.g. projects/m starts a shard there)"));
      } else if (!seen.add(p)) {
        out.add(new Problem(Option.SPLIT_AT, i, "'" + p + "' is a split point given twice"));
      }
    }
  }

  private static String number(double d) {
    return d == Math.rint(d) && Math.abs(d) < 1e15
        ? String.valueOf((long) d)
        : String.format(Locale.ROOT, "%s", d);
  }
}
