package dev.ferry.api.server;

import com.fasterxml.jackson.core.JsonProcessingException;
import dev.ferry.activities.catalog.OptionRules;
import dev.ferry.activities.catalog.RunOptions;
import dev.ferry.activities.catalog.ShardOptions;
import dev.ferry.workflows.JobRunInput;
import dev.ferry.workflows.MigrationInput;
import java.time.Instant;
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

  /**
   * The most owners a job may run at once (Temporal advises against many more pending children).
   */
  static final int MAX_PARALLEL_OWNERS = 1000;

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
   * given keep their value). This reads the types; the rules of the values are {@link OptionRules},
   * the same as {@code ferry migrate}'s. Problems go to {@code in}, named {@code filters.x} /
   * {@code options.x}; those of an object the request does not change are not reported (the job's
   * stored options passed them when they were given).
   */
  static JobOptions read(Input in, JobOptions base, Instant now) {
    List<String> include = base.include();
    List<String> exclude = base.exclude();
    String older = base.olderThan();
    String newer = base.newerThan();
    Input f = in.object("filters");
    if (f != null) {
      if (f.has("include")) {
        include = strings(f, "include");
      }
      if (f.has("exclude")) {
        exclude = strings(f, "exclude");
      }
      if (f.has("olderThan")) {
        older = f.string("olderThan", false, 100);
      }
      if (f.has("newerThan")) {
        newer = f.string("newerThan", false, 100);
      }
    }
    long concurrency = base.concurrency();
    int maxOwners = base.maxParallelOwners();
    long chunk = base.chunkSizeMiB();
    double bw = base.bwlimitMbps();
    boolean verify = base.verify();
    boolean delete = base.deleteSource();
    boolean removeEmpty = base.removeEmptyDirs();
    String names = base.names();
    String links = base.links();
    long retries = base.retries();
    long items = base.shards().items();
    long bytes = base.shards().bytes();
    List<String> splitAt = base.shards().splitAt();
    String acceptAltered = base.acceptAltered();
    Input o = in.object("options");
    if (o != null) {
      Long c = o.whole("concurrency");
      concurrency = c != null ? c : concurrency;
      Integer mo = o.integer("maxParallelOwners", 1, MAX_PARALLEL_OWNERS);
      maxOwners = mo != null ? mo : maxOwners;
      Long ch = o.whole("chunkSizeMiB");
      chunk = ch != null ? ch : chunk;
      Double b = o.number("bwlimitMbps");
      bw = b != null ? b : bw;
      Boolean v = o.bool("verify");
      verify = v != null ? v : verify;
      Boolean d = o.bool("deleteSource");
      delete = d != null ? d : delete;
      Boolean r = o.bool("removeEmptyDirs");
      removeEmpty = r != null ? r : removeEmpty;
      String n = o.word("names", List.of(RunOptions.NAMES_REFUSE, RunOptions.NAMES_REMAP));
      names = n != null ? n : names;
      String l = o.word("links", RunOptions.LINKS);
      links = l != null ? l : links;
      Long rt = o.whole("retries");
      retries = rt != null ? rt : retries;
      String aa = o.word("acceptAltered", RunOptions.ACCEPT);
      acceptAltered = aa != null ? aa : acceptAltered;
      Input sh = o.object("shards");
      if (sh != null) {
        Long i = sh.whole("items");
        items = i != null ? i : items;
        Long by = sh.whole("bytes");
        bytes = by != null ? by : bytes;
        if (sh.has("splitAt")) {
          List<String> points = sh.strings("splitAt", Integer.MAX_VALUE, Integer.MAX_VALUE);
          splitAt = points == null ? List.of() : points;
        }
      }
    }
    OptionRules.Draft draft =
        new OptionRules.Draft(
            include,
            exclude,
            older,
            newer,
            concurrency,
            chunk,
            bw,
            verify,
            delete,
            removeEmpty,
            names,
            links,
            retries,
            items,
            bytes,
            splitAt,
            acceptAltered);
    for (OptionRules.Problem p : OptionRules.problems(draft, OptionRules.Side.API, now)) {
      if ((p.option().field.startsWith("filters.") ? f : o) != null) {
        in.error(p.field(), p.message());
      }
    }
    // out of range only with a problem reported above, so the request is refused
    return new JobOptions(
        include,
        exclude,
        older,
        newer,
        (int) Math.clamp(concurrency, 0, Integer.MAX_VALUE),
        maxOwners,
        (int) Math.clamp(chunk, 0, Integer.MAX_VALUE),
        bw,
        verify,
        delete,
        removeEmpty,
        names,
        links,
        (int) Math.clamp(retries, 0, Integer.MAX_VALUE),
        new ShardOptions(items, bytes, splitAt),
        acceptAltered);
  }

  /** A list of patterns; how many and how long is {@link OptionRules}'. */
  private static List<String> strings(Input f, String field) {
    List<String> g = f.strings(field, Integer.MAX_VALUE, Integer.MAX_VALUE);
    return g == null ? List.of() : g;
  }

  /** The options of a run starting at {@code now}. */
  RunOptions toRunOptions(Instant now) {
    return new RunOptions(
        include,
        exclude,
        OptionRules.millis(olderThan, now),
        OptionRules.millis(newerThan, now),
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
