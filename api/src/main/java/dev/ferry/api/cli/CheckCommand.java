package dev.ferry.api.cli;

import dev.ferry.activities.catalog.Cutovers.Difference;
import dev.ferry.activities.catalog.RunOptions;
import dev.ferry.activities.engine.CheckService;
import dev.ferry.activities.engine.Filters;
import dev.ferry.activities.storage.Locations;
import dev.ferry.activities.storage.Storage;
import dev.ferry.api.server.Csv;
import java.io.PrintStream;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code ferry check SOURCE DEST}: the cutover's verification gate on its own, like {@code rclone
 * check} — every file's presence on both sides, its size and its content (by the destination's
 * native hash where it keeps one, else both read and hashed); exit 0 when identical, 1 with every
 * difference listed.
 */
@Command(
    name = "check",
    mixinStandardHelpOptions = true,
    description = {
      "Compare SOURCE and DEST in full: every file on both sides, its size and its content: by"
          + " the hash DEST keeps itself where it has one (S3 ETag, Azure Content-MD5, Graph"
          + " quickXorHash) computed from SOURCE's bytes, else both sides read (SHA-256). Exit 0"
          + " when identical, 1 with the differences listed, 2 for a bad location, 3 when a side"
          + " cannot be read.",
      "",
      "Locations are those of 'ferry migrate' (see 'ferry migrate --help')."
    })
final class CheckCommand implements Callable<Integer> {
  @Parameters(index = "0", paramLabel = "SOURCE", description = "the location copied from")
  String source;

  @Parameters(index = "1", paramLabel = "DEST", description = "the location copied to")
  String dest;

  @Option(
      names = "--report",
      paramLabel = "FILE",
      description = "also write the differences as CSV (path, kind, detail, checked_by) to FILE")
  Path report;

  @Option(
      names = "--max-listed",
      paramLabel = "N",
      defaultValue = "100",
      description = "list at most N differences on the terminal (default ${DEFAULT-VALUE})")
  int maxListed;

  @Override
  public Integer call() throws Exception {
    PrintStream out = Ferry.out();
    PrintStream err = Ferry.err();
    String src;
    String dst;
    try {
      src = Locations.canonical(source);
      dst = Locations.canonical(dest);
    } catch (IllegalArgumentException e) {
      err.println("ferry check: " + e.getMessage());
      return Ferry.EXIT_USAGE;
    }
    Locations locations = new Locations(Ferry.env());
    RunOptions options = RunOptions.defaults();
    CheckService.Result r;
    try (Storage a = locations.open(src, options);
        Storage b = locations.open(dst, options)) {
      out.println(
          "Comparing "
              + src
              + " with "
              + dst
              + " (by the destination's own hash where it keeps one, else both sides read)...");
      r = new CheckService().compare(a, b, Map.of(), Filters.of(options), 0, () -> {});
    } catch (RuntimeException e) {
      err.println("ferry check: cannot compare: " + e.getMessage());
      return Ferry.EXIT_ENVIRONMENT;
    }
    if (report != null) {
      Path tmp = report.resolveSibling(report.getFileName() + ".partial");
      try (Writer w = Files.newBufferedWriter(tmp, StandardCharsets.UTF_8);
          Csv csv = Csv.of(w)) {
        csv.row("path", "kind", "detail", "checked_by");
        for (Difference d : r.differences()) {
          csv.row(d.path(), d.kind(), d.detail(), d.checkedBy() == null ? "" : d.checkedBy());
        }
      }
      Files.move(tmp, report, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    }
    String size = Units.bytes(r.bytes());
    if (r.differences().isEmpty()) {
      out.printf(Locale.ROOT, "Identical: %,d files (%s) compared.%n", r.files(), size);
      out.println("Contents checked: " + r.checkedBySummary() + ".");
      return Ferry.EXIT_OK;
    }
    int shown = 0;
    for (Difference d : r.differences()) {
      if (shown++ >= maxListed) {
        out.printf(
            Locale.ROOT,
            "... and %,d more%s%n",
            r.differences().size() - maxListed,
            report == null ? " (--report FILE lists them all)" : " (all in " + report + ")");
        break;
      }
      out.println(d.kind() + "  " + d.path() + ": " + d.detail());
    }
    StringBuilder kinds = new StringBuilder();
    for (String k : new String[] {"missing", "extra", "size", "content", "unreadable"}) {
      long n = r.count(k);
      if (n > 0) {
        kinds.append(kinds.isEmpty() ? "" : ", ").append(n).append(' ').append(k);
      }
    }
    out.printf(
        Locale.ROOT,
        "%,d difference%s (%s) among %,d files (%s) compared.%n",
        r.differences().size(),
        r.differences().size() == 1 ? "" : "s",
        kinds,
        r.files(),
        size);
    out.println("Contents checked: " + r.checkedBySummary() + ".");
    return Ferry.EXIT_FAILED;
  }
}
