package dev.ferry.api.cli;

import dev.ferry.activities.catalog.Jobs;
import dev.ferry.activities.catalog.OptionRules;
import dev.ferry.activities.catalog.RunOptions;
import dev.ferry.activities.catalog.ShardOptions;
import dev.ferry.activities.storage.Locations;
import dev.ferry.api.server.OwnersInput;
import dev.ferry.workflows.Limits;
import dev.ferry.workflows.MigrationInput;
import dev.ferry.workflows.RunMode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code ferry migrate SOURCE DEST [options]}: one migration, start to finish, in this process. */
@Command(
    name = "migrate",
    mixinStandardHelpOptions = true,
    sortOptions = false,
    header = "Copy SOURCE to DEST as a durable, verified, resumable migration.",
    description = {
      "Scans, transfers in batches, verifies every copy and reports file by file.",
      "Running the same command again transfers only new or changed files.",
      "",
      "Locations and their credentials (environment variables):",
      "  /path, file:///path          the local file system",
      "  s3://bucket/prefix           AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY (or a",
      "                               profile), AWS_REGION, AWS_ENDPOINT_URL or",
      "                               --s3-endpoint",
      "  azure://container/prefix     AZURE_STORAGE_CONNECTION_STRING, or",
      "                               AZURE_STORAGE_ACCOUNT with AZURE_STORAGE_KEY or",
      "                               AZURE_STORAGE_SAS_TOKEN",
      "  sftp://user@host[:port]/path FERRY_SFTP_PASSWORD or FERRY_SFTP_KEY_FILE,",
      "                               FERRY_SFTP_KNOWN_HOSTS",
      "  onedrive://user@domain/path  FERRY_GRAPH_TENANT_ID, FERRY_GRAPH_CLIENT_ID,",
      "  sharepoint://host/site/library/path",
      "                               FERRY_GRAPH_CLIENT_SECRET (both kinds)",
      ""
    },
    footer = {
      "",
      "Exit codes: 0 every file done (a dry run: nothing would fail); 1 some files",
      "failed (a dry run: some would) or the run failed; 2 invalid options, or a",
      "configuration the run found wrong (credentials refused, bucket not found); 3",
      "Ferry could not start (database, Temporal, lock); 130 cancelled."
    })
public final class MigrateCommand implements Callable<Integer> {
  @Parameters(index = "0", paramLabel = "SOURCE", description = "Where to copy from.")
  String source;

  @Parameters(index = "1", paramLabel = "DEST", description = "Where to copy to.")
  String dest;

  @Option(
      names = "--dry-run",
      description = "Scan only: count files and bytes, list problems; write nothing.")
  boolean dryRun;

  @Option(
      names = "--include",
      paramLabel = "GLOB",
      description = "Only files matching (repeatable; ** crosses folders).")
  List<String> include = new ArrayList<>();

  @Option(
      names = "--exclude",
      paramLabel = "GLOB",
      description = "Skip files matching (repeatable; wins over --include).")
  List<String> exclude = new ArrayList<>();

  @Option(
      names = "--older-than",
      paramLabel = "DATE|AGE",
      description = "Only files modified before (2024-01-31, 30d, 12h, ...).")
  String olderThan;

  @Option(
      names = "--newer-than",
      paramLabel = "DATE|AGE",
      description = "Only files modified after (2024-01-31, 30d, 12h, ...).")
  String newerThan;

  @Option(
      names = "--concurrency",
      paramLabel = "N",
      defaultValue = "4",
      converter = Numbers.Concurrency.class,
      description = "Parallel streams, 1-32 (default ${DEFAULT-VALUE}).")
  int concurrency;

  @Option(
      names = "--chunk-size",
      paramLabel = "MiB",
      defaultValue = "8",
      converter = Numbers.ChunkSize.class,
      description = "Multipart part size in MiB, 5-256 (default ${DEFAULT-VALUE}).")
  int chunkSize;

  @Option(
      names = "--bwlimit",
      paramLabel = "Mbps",
      defaultValue = "0",
      converter = Numbers.Mbps.class,
      description =
          "Bandwidth cap for the whole job in Mbps, e.g. 100 or 2.5, at most 1000000 (default:"
              + " none).")
  double bwlimit;

  @Option(
      names = "--retries",
      paramLabel = "N",
      defaultValue = "" + MigrationInput.DEFAULT_RETRIES,
      converter = Numbers.Retries.class,
      description =
          "Times a scan or batch that fails as a whole (a store that does not answer) is tried"
              + " again, with backoff up to 30 s, before the run gives up, 0-100"
              + " (default ${DEFAULT-VALUE}, about 2.5 minutes).")
  int retries;

  @Option(
      names = "--full-speed-window",
      paramLabel = "HH:MM-HH:MM",
      description = "Daily window without the --bwlimit cap, e.g. 18:00-06:00.")
  String fullSpeedWindow;

  @Option(
      names = "--timezone",
      paramLabel = "ZONE",
      description = "Time zone of --full-speed-window (default: this machine's).")
  String timezone;

  @Option(names = "--no-verify", description = "Skip verifying each copy after upload.")
  boolean noVerify;

  @Option(
      names = "--delete-source",
      description = "Delete each source file once its copy is verified.")
  boolean deleteSource;

  @Option(
      names = "--remove-empty-dirs",
      description = "With --delete-source: remove source folders left empty.")
  boolean removeEmptyDirs;

  @Option(
      names = "--names",
      paramLabel = "refuse|remap",
      description =
          "A name the destination refuses (a ':' on OneDrive, a trailing '.' on Azure):"
              + " refuse reports and skips it (default); remap copies it under a look-alike"
              + " name and the report pairs both names.")
  String names;

  @Option(
      names = "--accept-altered",
      paramLabel = "none|office|all",
      description =
          "Files the destination stores but rewrites (a SharePoint library adds its metadata to"
              + " Office files, so size and hash differ): none reports each as altered and the"
              + " run ends with errors (default); office accepts Word, Excel, PowerPoint and Visio"
              + " files as good copies; all accepts any. Never retried; the source is kept.")
  String acceptAltered;

  @Option(
      names = "--links",
      paramLabel = "skip|follow|preserve",
      description =
          "Symbolic links at the source: skip reports them as skipped (default); follow copies"
              + " what a link leads to inside SOURCE (a link out of it fails, unread); preserve"
              + " recreates links (local and sftp:// destinations).")
  String links;

  @Option(
      names = "--shard-items",
      paramLabel = "N",
      description =
          "Split a source of more than N files and folders into shards along its folder tree,"
              + " each its own workflow (default 400000).")
  long shardItems = ShardOptions.DEFAULT_ITEMS;

  @Option(
      names = "--split-at",
      paramLabel = "PATH",
      description = "Start a shard at PATH (relative to SOURCE) whatever the size; repeatable.")
  List<String> splitAt = new ArrayList<>();

  @Option(
      names = "--report",
      paramLabel = "FILE.csv",
      description = "Write the run's report (one row per file, and a summary) as CSV.")
  Path report;

  @Option(
      names = "--owners",
      paramLabel = "OWNERS.csv",
      description =
          "Copy per owner: a CSV with a header row name,source,destination (folders below SOURCE"
              + " and DEST; destination defaults to source). Each owner runs as its own workflow,"
              + " with its own manifest, and a summary per owner ends the run.")
  Path owners;

  @Option(
      names = "--only-owner",
      paramLabel = "NAME",
      description =
          "With --owners: run only this owner (by name or source folder; repeatable), e.g. one"
              + " first, then a few, then everyone. Running an owner again is incremental.")
  List<String> onlyOwners = new ArrayList<>();

  @Option(
      names = "--s3-endpoint",
      paramLabel = "URL",
      description = "Endpoint of an S3-compatible server (else AWS_ENDPOINT_URL or AWS).")
  String s3Endpoint;

  /** A migration request whose every option was checked. */
  record Request(
      String source,
      String dest,
      RunMode mode,
      RunOptions options,
      Limits limits,
      Path report,
      int retries,
      List<Jobs.OwnerSpec> owners,
      List<Jobs.OwnerSpec> chosen) {}

  /** Checks every option; returns the request or throws with one line per problem. */
  Request validate(Instant now) {
    List<String> problems = new ArrayList<>();
    String src = null;
    String dst = null;
    try {
      src = Locations.canonical(source);
    } catch (IllegalArgumentException e) {
      problems.add("SOURCE: " + e.getMessage());
    }
    try {
      dst = Locations.canonical(dest);
    } catch (IllegalArgumentException e) {
      problems.add("DEST: " + e.getMessage());
    }
    if (src != null && dst != null) {
      if (src.equals(dst)) {
        problems.add("SOURCE and DEST are the same location (" + src + ")");
      } else if (dst.startsWith(src + "/")) {
        problems.add("DEST is inside SOURCE: the copy would be copied again; choose another DEST");
      }
      if (src.startsWith("file:")) {
        Path p = Path.of(java.net.URI.create(src));
        if (!Files.isDirectory(p)) {
          problems.add(
              "SOURCE: "
                  + p
                  + (Files.exists(p)
                      ? " is a file; give the folder that holds it"
                      : " does not exist"));
        }
      }
    }
    String window = null;
    if (fullSpeedWindow != null) {
      window =
          fullSpeedWindow.trim()
              + "@"
              + (timezone != null ? timezone.trim() : ZoneId.systemDefault().getId());
      try {
        dev.ferry.workflows.FullSpeedWindow.parse(window);
      } catch (IllegalArgumentException e) {
        problems.add("--full-speed-window " + e.getMessage());
        window = null;
      }
      if (!(bwlimit > 0)) {
        problems.add(
            "--full-speed-window lifts the --bwlimit cap inside the window: give --bwlimit too");
      }
    } else if (timezone != null) {
      problems.add("--timezone only applies with --full-speed-window");
    }
    Limits limits = new Limits(concurrency, bwlimit, window);
    // the rules of the options a job of the API has too, the same there (OptionRules)
    for (OptionRules.Problem p :
        OptionRules.problems(
            new OptionRules.Draft(
                include,
                exclude,
                olderThan,
                newerThan,
                concurrency,
                chunkSize,
                bwlimit,
                !noVerify,
                deleteSource,
                removeEmptyDirs,
                names,
                links,
                retries,
                shardItems,
                ShardOptions.DEFAULT_BYTES,
                splitAt,
                acceptAltered),
            OptionRules.Side.CLI,
            now)) {
      problems.add(p.line());
    }
    if (report != null) {
      Path parent = report.toAbsolutePath().getParent();
      if (Files.isDirectory(report)) {
        problems.add("--report " + report + " is a folder; name a file such as report.csv");
      } else if (parent == null || !Files.isDirectory(parent)) {
        problems.add("--report: the folder " + parent + " does not exist");
      }
    }
    if (RunOptions.LINKS_PRESERVE.equals(links) && dst != null && !Locations.holdsLinks(dst)) {
      problems.add(
          "--links preserve recreates symbolic links, and DEST ("
              + dst
              + ") cannot hold them: only local folders and sftp:// servers can; use --links"
              + " skip (the default) or --links follow");
    }
    if (s3Endpoint != null && !s3Endpoint.matches("https?://.+")) {
      problems.add("--s3-endpoint must be an http:// or https:// URL (got '" + s3Endpoint + "')");
    }
    List<Jobs.OwnerSpec> ownerList = null;
    List<Jobs.OwnerSpec> chosen = null;
    if (owners != null) {
      try {
        ownerList =
            OwnersInput.fromCsvFile(Files.readString(owners)).stream()
                .map(
                    o ->
                        o.name() == null
                            ? new Jobs.OwnerSpec(o.sourcePath(), o.sourcePath(), o.destPath())
                            : o)
                .toList();
        if (ownerList.isEmpty()) {
          problems.add(
              "--owners " + owners + " lists no owner: give one per line after the header");
          ownerList = null;
        }
      } catch (java.nio.charset.MalformedInputException e) {
        problems.add("--owners " + owners + " is not UTF-8 text");
      } catch (java.io.IOException e) {
        problems.add(
            "--owners: cannot read "
                + owners
                + (Files.exists(owners) ? " (" + e.getMessage() + ")" : ": no such file"));
      } catch (IllegalArgumentException e) {
        for (String line : e.getMessage().split("\n")) {
          problems.add("--owners " + owners + ": " + line);
        }
      }
    }
    if (!onlyOwners.isEmpty() && owners == null) {
      problems.add("--only-owner picks owners of --owners OWNERS.csv: give --owners too");
    } else if (!onlyOwners.isEmpty() && ownerList != null) {
      chosen = choose(ownerList, problems);
    }
    if (!problems.isEmpty()) {
      throw new InvalidOptions(problems);
    }
    RunOptions options =
        new RunOptions(
            include,
            exclude,
            OptionRules.millis(olderThan, now),
            OptionRules.millis(newerThan, now),
            concurrency,
            chunkSize,
            bwlimit,
            !noVerify,
            deleteSource,
            removeEmptyDirs,
            s3Endpoint,
            names,
            links,
            new ShardOptions(shardItems, ShardOptions.DEFAULT_BYTES, splitAt),
            acceptAltered);
    return new Request(
        src,
        dst,
        dryRun ? RunMode.DRY_RUN : RunMode.INCREMENTAL,
        options,
        limits,
        report,
        retries,
        ownerList,
        chosen == null ? ownerList : chosen);
  }

  /**
   * The owners {@code --only-owner} names (by name, else by source folder), in the file's order.
   */
  private List<Jobs.OwnerSpec> choose(List<Jobs.OwnerSpec> all, List<String> problems) {
    java.util.Set<Jobs.OwnerSpec> picked = new java.util.LinkedHashSet<>();
    for (String want : onlyOwners) {
      String w = want.trim();
      List<Jobs.OwnerSpec> match = all.stream().filter(o -> o.name().equals(w)).toList();
      if (match.isEmpty()) {
        String path = dev.ferry.activities.catalog.ConnectionLocation.normalize(w);
        match = all.stream().filter(o -> o.sourcePath().equals(path)).toList();
      }
      if (match.isEmpty()) {
        List<String> names = all.stream().map(Jobs.OwnerSpec::name).toList();
        String near = nearest(w, names);
        problems.add(
            "--only-owner '"
                + w
                + "': "
                + owners
                + " has no owner of that name"
                + (near != null ? "; did you mean '" + near + "'?" : "")
                + " (owners: "
                + String.join(", ", names.stream().limit(10).toList())
                + (names.size() > 10 ? ", … " + names.size() + " in all" : "")
                + ")");
      }
      picked.addAll(match);
    }
    return all.stream().filter(picked::contains).toList();
  }

  /** The name closest to {@code w} (case ignored) within a third of its length, or null. */
  static String nearest(String w, List<String> names) {
    String best = null;
    int bestD = Math.max(1, w.length() / 3) + 1;
    for (String n : names) {
      int d = distance(w.toLowerCase(java.util.Locale.ROOT), n.toLowerCase(java.util.Locale.ROOT));
      if (d < bestD) {
        bestD = d;
        best = n;
      }
    }
    return best;
  }

  /** Levenshtein distance. */
  private static int distance(String a, String b) {
    int[] prev = new int[b.length() + 1];
    int[] cur = new int[b.length() + 1];
    for (int j = 0; j <= b.length(); j++) {
      prev[j] = j;
    }
    for (int i = 1; i <= a.length(); i++) {
      cur[0] = i;
      for (int j = 1; j <= b.length(); j++) {
        int c = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
        cur[j] = Math.min(Math.min(cur[j - 1] + 1, prev[j] + 1), prev[j - 1] + c);
      }
      int[] t = prev;
      prev = cur;
      cur = t;
    }
    return prev[b.length()];
  }

  /** One or more invalid options, each with a line that says what is allowed. */
  static final class InvalidOptions extends RuntimeException {
    final List<String> problems;

    InvalidOptions(List<String> problems) {
      super(String.join("\n", problems));
      this.problems = List.copyOf(problems);
    }
  }

  @Override
  public Integer call() {
    Request request;
    try {
      request = validate(Instant.now());
    } catch (InvalidOptions e) {
      for (String p : e.problems) {
        Ferry.err().println("ferry migrate: " + p);
      }
      Ferry.err().println("Run 'ferry migrate --help' for the options.");
      return Ferry.EXIT_USAGE;
    }
    try {
      metrics.start();
    } catch (IllegalArgumentException e) {
      Ferry.err().println("ferry migrate: " + e.getMessage());
      return Ferry.EXIT_USAGE;
    }
    return new MigrationRunner(Ferry.out(), Ferry.err(), Ferry.env()).run(request);
  }

  @picocli.CommandLine.Mixin MetricsListen metrics = new MetricsListen();
}
