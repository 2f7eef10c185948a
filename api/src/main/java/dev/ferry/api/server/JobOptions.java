package dev.ferry.api.server;

import com.fasterxml.jackson.core.JsonProcessingException;
import dev.ferry.activities.catalog.RunOptions;
import dev.ferry.activities.catalog.ShardOptions;
import dev.ferry.activities.engine.Filters;
import dev.ferry.api.cli.TimeSpec;
import dev.ferry.workflows.JobRunInput;
import dev.ferry.workflows.Limits;
import dev.ferry.workflows.MigrationInput;
import java.time.Instant;
import java.time.ZoneId;
import java.util.List;

/**
 * A job's filters and transfer options — the same choices and limits as {@code ferry migrate}'s
 * options — stored with the job as JSON. Ages ({@code 30d}) are kept as given and resolved when a
 * run starts. {@code concurrency} is the job's transfer streams in all, shared among the owners
 * running; {@code maxParallelOwners} how many owners run at once (the job run's sliding window).
 * Jobs stored before {@code maxParallelOwners} existed read as the default. {@code retries} is how
 * many times a scan or batch of an owner that fails as a whole is tried again before the owner's
 * run fails (as {@code ferry migrate --retries}); the job run then reruns the owner (up to three
 * times) unless a rerun cannot help. {@code acceptAltered} ({@code none}, {@code office}, {@code
 * all}) is which files the destination stored but rewrote count as good copies ({@link
 * RunOptions#acceptsAltered}).
 */
record JobOptions(
    List<String> include,
    List<String> exclude,
    String olderThan,
    String newerThan,
    int concurrency,
    Integer maxParallelOwners,
    int chunkSizeMiB,
    double bwlimitMbps,
    boolean verify,
    boolean deleteSource,
    boolean removeEmptyDirs,
    String names,
    String links,
    Integer retries,
    ShardOptions shards,
    String acceptAltered) {

  static final int MAX_GLOBS = 200;

  /**
   * The most owners a job may run at once (Temporal advises against many more pending children).
   */
  static final int MAX_PARALLEL_OWNERS = 1000;

  /** The highest bandwidth cap a job may be given, in Mbps. */
  static final double MAX_BWLIMIT_MBPS = 1_000_000;

  JobOptions {
    maxParallelOwners =
        maxParallelOwners == null ? JobRunInput.DEFAULT_MAX_PARALLEL : maxParallelOwners;
    include = include == null ? List.of() : List.copyOf(include);
    exclude = exclude == null ? List.of() : List.copyOf(exclude);
    names = names == null ? RunOptions.NAMES_REFUSE : names;
    links = links == null ? RunOptions.LINKS_SKIP : links;
    retries = retries == null ? MigrationInput.DEFAULT_RETRIES : retries;
    shards = shards == null ? ShardOptions.defaults() : shards;
    acceptAltered = acceptAltered == null ? RunOptions.ACCEPT_NONE : acceptAltered;
  }

  static JobOptions defaults() {
    RunOptions d = RunOptions.defaults();
    return new JobOptions(
        List.of(),
        List.of(),
        null,
        null,
        d.concurrency(),
        JobRunInput.DEFAULT_MAX_PARALLEL,
        d.chunkSizeMiB(),
        d.bwlimitMbps(),
        d.verify(),
        d.deleteSource(),
        d.removeEmptyDirs(),
        d.names(),
        d.links(),
        MigrationInput.DEFAULT_RETRIES,
        d.shards(),
        d.acceptAltered());
  }

  /**
   * {@code base} changed by the request's {@code filters} and {@code options} objects (fields not
   * given keep their value). Problems go to {@code in}, named {@code filters.x} / {@code
   * options.x}.
   */
  static JobOptions read(Input in, JobOptions base, Instant now) {
    List<String> include = base.include();
    List<String> exclude = base.exclude();
    String older = base.olderThan();
    String newer = base.newerThan();
    Input f = in.object("filters");
    if (f != null) {
      if (f.has("include")) {
        include = globs(f, "include");
      }
      if (f.has("exclude")) {
        exclude = globs(f, "exclude");
      }
      if (f.has("olderThan")) {
        older = time(f, "olderThan", now);
      }
      if (f.has("newerThan")) {
        newer = time(f, "newerThan", now);
      }
      if (older != null && newer != null && !f.hasErrors()) {
        Instant o = TimeSpec.parse(older, now, ZoneId.systemDefault());
        Instant n = TimeSpec.parse(newer, now, ZoneId.systemDefault());
        if (!n.isBefore(o)) {
          f.error("newerThan", "must be earlier than olderThan, or no file can match");
        }
      }
    }
    int concurrency = base.concurrency();
    int maxOwners = base.maxParallelOwners();
    int chunk = base.chunkSizeMiB();
    double bw = base.bwlimitMbps();
    boolean verify = base.verify();
    boolean delete = base.deleteSource();
    boolean removeEmpty = base.removeEmptyDirs();
    String names = base.names();
    String links = base.links();
    int retries = base.retries();
    ShardOptions shards = base.shards();
    String acceptAltered = base.acceptAltered();
    Input o = in.object("options");
    if (o != null) {
      Integer c = o.integer("concurrency", 1, Limits.MAX_CONCURRENCY);
      concurrency = c != null ? c : concurrency;
      Integer mo = o.integer("maxParallelOwners", 1, MAX_PARALLEL_OWNERS);
      maxOwners = mo != null ? mo : maxOwners;
      Integer ch = o.integer("chunkSizeMiB", RunOptions.MIN_CHUNK_MIB, RunOptions.MAX_CHUNK_MIB);
      chunk = ch != null ? ch : chunk;
      Double b = o.number("bwlimitMbps", 0, MAX_BWLIMIT_MBPS);
      bw = b != null ? b : bw;
      Boolean v = o.bool("verify");
      verify = v != null ? v : verify;
      Boolean d = o.bool("deleteSource");
      delete = d != null ? d : delete;
      Boolean r = o.bool("removeEmptyDirs");
      removeEmpty = r != null ? r : removeEmpty;
      String n = o.oneOf("names", false, List.of(RunOptions.NAMES_REFUSE, RunOptions.NAMES_REMAP));
      names = n != null ? n : names;
      String l = o.oneOf("links", false, RunOptions.LINKS);
      links = l != null ? l : links;
      Integer rt = o.integer("retries", 0, MigrationInput.MAX_RETRIES);
      retries = rt != null ? rt : retries;
      String aa = o.oneOf("acceptAltered", false, RunOptions.ACCEPT);
      acceptAltered = aa != null ? aa : acceptAltered;
      Input sh = o.object("shards");
      if (sh != null) {
        shards = shards(sh, shards);
      }
      if (!o.hasErrors()) {
        if (removeEmpty && !delete) {
          o.error("removeEmptyDirs", "only applies with deleteSource");
        }
        if (delete && !verify) {
          o.error(
              "deleteSource",
              "deletes only verified copies: it cannot be combined with verify=false");
        }
        if (delete && RunOptions.LINKS_FOLLOW.equals(links)) {
          o.error(
              "links",
              "follow reaches a file through its links as well as its own path: it cannot be"
                  + " combined with deleteSource");
        }
      }
    }
    return new JobOptions(
        include,
        exclude,
        older,
        newer,
        concurrency,
        maxOwners,
        chunk,
        bw,
        verify,
        delete,
        removeEmpty,
        names,
        links,
        retries,
        shards,
        acceptAltered);
  }

  /**
   * {@code base} changed by an {@code options.shards} object: {@code items} and {@code bytes} (an
   * owner over either is split), {@code splitAt} (explicit split points).
   */
  private static ShardOptions shards(Input sh, ShardOptions base) {
    Double items = sh.number("items", 1, 1e12);
    Double bytes = sh.number("bytes", 1, 1e18);
    List<String> splitAt = base.splitAt();
    if (sh.has("splitAt")) {
      List<String> points = sh.strings("splitAt", ShardOptions.MAX_SPLIT_POINTS, 4096);
      splitAt = points == null ? List.of() : points;
      for (int i = 0; i < splitAt.size(); i++) {
        String p = ShardOptions.problem(splitAt.get(i));
        if (p != null) {
          sh.error(
              "splitAt[" + i + "]",
              "'" + splitAt.get(i) + "' " + p + " (e.g. \"projects/m\" starts a shard there)");
        }
      }
      if (new java.util.HashSet<>(splitAt).size() != splitAt.size()) {
        sh.error("splitAt", "names a split point twice");
      }
    }
    for (String f : List.of("items", "bytes")) {
      Double v = f.equals("items") ? items : bytes;
      if (v != null && v != Math.floor(v)) {
        sh.error(f, "must be a whole number");
      }
    }
    return new ShardOptions(
        items != null ? items.longValue() : base.items(),
        bytes != null ? bytes.longValue() : base.bytes(),
        splitAt);
  }

  private static List<String> globs(Input f, String field) {
    List<String> g = f.strings(field, MAX_GLOBS, 1000);
    if (g == null) {
      return List.of();
    }
    for (int i = 0; i < g.size(); i++) {
      String p = Filters.problem(g.get(i));
      if (p != null) {
        f.error(field + "[" + i + "]", "'" + g.get(i) + "' is not a valid pattern: " + p);
      }
    }
    return g;
  }

  private static String time(Input f, String field, Instant now) {
    String s = f.string(field, false, 100);
    if (s == null) {
      return null;
    }
    try {
      TimeSpec.parse(s, now, ZoneId.systemDefault());
      return s;
    } catch (IllegalArgumentException e) {
      f.error(field, e.getMessage());
      return null;
    }
  }

  /** The options of a run starting at {@code now}. */
  RunOptions toRunOptions(Instant now) {
    return new RunOptions(
        include,
        exclude,
        olderThan == null
            ? -1
            : TimeSpec.parse(olderThan, now, ZoneId.systemDefault()).toEpochMilli(),
        newerThan == null
            ? -1
            : TimeSpec.parse(newerThan, now, ZoneId.systemDefault()).toEpochMilli(),
        concurrency,
        chunkSizeMiB,
        bwlimitMbps,
        verify,
        deleteSource,
        removeEmptyDirs,
        null,
        names,
        links,
        shards,
        acceptAltered);
  }

  String toJson() {
    try {
      return Json.MAPPER.writeValueAsString(this);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }

  static JobOptions fromJson(String json) {
    if (json == null) {
      return defaults();
    }
    try {
      return Json.MAPPER.readValue(json, JobOptions.class);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("unreadable job options", e);
    }
  }

  /** The {@code filters} object of the API. */
  record FiltersView(
      List<String> include, List<String> exclude, String olderThan, String newerThan) {}

  /** The {@code options} object of the API. */
  record OptionsView(
      int concurrency,
      int maxParallelOwners,
      int chunkSizeMiB,
      double bwlimitMbps,
      boolean verify,
      boolean deleteSource,
      boolean removeEmptyDirs,
      String names,
      String links,
      int retries,
      ShardOptions shards,
      String acceptAltered) {}

  FiltersView filtersView() {
    return new FiltersView(include, exclude, olderThan, newerThan);
  }

  OptionsView optionsView() {
    return new OptionsView(
        concurrency,
        maxParallelOwners,
        chunkSizeMiB,
        bwlimitMbps,
        verify,
        deleteSource,
        removeEmptyDirs,
        names,
        links,
        retries,
        shards,
        acceptAltered);
  }
}
