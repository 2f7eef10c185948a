package dev.ferry.api.server;

import dev.ferry.activities.catalog.ConnectionLocation;
import dev.ferry.activities.catalog.Jobs;
import dev.ferry.activities.storage.SafePath;
import java.io.IOException;
import java.io.StringReader;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVParser;
import org.apache.commons.csv.CSVRecord;
import org.apache.commons.csv.DuplicateHeaderMode;

/**
 * Reads a job's owners — each a source sub-path copied to a destination sub-path — from JSON or
 * CSV, and checks them as a set: paths are relative and safe, no two owners share or nest a source
 * path or a destination path. The destination path defaults to the source path.
 */
public final class OwnersInput {
  static final int MAX_OWNERS = 10_000;
  static final int MAX_PATH = 1024;

  private OwnersInput() {}

  /** From {@code owners: [{name, sourcePath, destinationPath}]}; null when absent. */
  static List<Jobs.OwnerSpec> fromJson(Input in, String field) {
    List<Input> list = in.objects(field, MAX_OWNERS);
    if (list == null) {
      return null;
    }
    List<Jobs.OwnerSpec> out = new ArrayList<>();
    for (Input o : list) {
      String name = o.string("name", false, 200);
      String src = o.path("sourcePath", MAX_PATH);
      String dst = o.path("destinationPath", MAX_PATH);
      out.add(new Jobs.OwnerSpec(name, src, dst));
    }
    Map<String, String> problems = check(out, i -> field + "[" + i + "].");
    problems.forEach(in::error);
    return out.stream().map(OwnersInput::defaults).toList();
  }

  /**
   * From CSV with a header row: {@code source_path} (required), {@code destination_path} and {@code
   * name} (optional). Problems are named {@code line N.column}.
   */
  static List<Jobs.OwnerSpec> fromCsv(String csv) {
    Map<String, String> problems = new TreeMap<>();
    List<Jobs.OwnerSpec> out = new ArrayList<>();
    List<Long> lines = new ArrayList<>();
    String srcCol;
    String dstCol;
    try (CSVParser p =
        CSVFormat.DEFAULT
            .builder()
            .setHeader()
            .setSkipHeaderRecord(true)
            // a column given twice is refused, as a JSON key given twice is (not "last wins")
            .setDuplicateHeaderMode(DuplicateHeaderMode.DISALLOW)
            .setIgnoreSurroundingSpaces(true)
            .setIgnoreEmptyLines(true)
            .setTrim(true)
            .get()
            .parse(new StringReader(csv))) {
      List<String> header = p.getHeaderNames();
      // source and destination: the short names of ferry migrate --owners, accepted here too
      srcCol = header.contains("source") ? "source" : "source_path";
      dstCol =
          header.contains("destination") || srcCol.equals("source")
              ? "destination"
              : "destination_path";
      if (!header.contains(srcCol)) {
        throw InvalidInput.of(
            "body",
            "the CSV needs a header row with source_path (or source) and optionally"
                + " destination_path (or destination) and name (got "
                + header
                + ")");
      }
      for (String h : header) {
        if (!List.of("name", srcCol, dstCol).contains(h)) {
          problems.put(
              "line 1." + h,
              "unknown column; accepted: name, "
                  + srcCol
                  + ", "
                  + dstCol
                  + (h.equals("source_path") || h.equals("source")
                      ? " (a source column twice)"
                      : "")
                  + (h.equals("destination_path") || h.equals("destination")
                      ? " (a destination column twice)"
                      : ""));
        }
      }
      for (CSVRecord r : p) {
        if (out.size() >= MAX_OWNERS) {
          throw InvalidInput.of("body", "at most " + MAX_OWNERS + " owners");
        }
        String name = r.isMapped("name") && r.isSet("name") ? blankToNull(r.get("name")) : null;
        String src = r.isSet(srcCol) ? r.get(srcCol) : null;
        String dst = r.isMapped(dstCol) && r.isSet(dstCol) ? blankToNull(r.get(dstCol)) : null;
        out.add(new Jobs.OwnerSpec(name, src, dst));
        lines.add(r.getRecordNumber() + 1);
      }
    } catch (IOException | IllegalStateException | java.io.UncheckedIOException e) {
      throw InvalidInput.of("body", "malformed CSV: " + e.getMessage());
    } catch (IllegalArgumentException e) {
      // Commons CSV's word for a header row with an empty or repeated column name (was a 500)
      throw InvalidInput.of("body", "malformed CSV header row: " + e.getMessage());
    }
    String fSrc = srcCol;
    String fDst = dstCol;
    problems.putAll(
        check(out, i -> "line " + lines.get(i) + ".").entrySet().stream()
            .collect(
                java.util.stream.Collectors.toMap(
                    e ->
                        e.getKey()
                            .replace(".sourcePath", "." + fSrc)
                            .replace(".destinationPath", "." + fDst),
                    Map.Entry::getValue)));
    if (!problems.isEmpty()) {
      throw new InvalidInput(problems);
    }
    return out.stream().map(OwnersInput::defaults).toList();
  }

  /**
   * The owners of a CSV file for {@code ferry migrate --owners} (columns {@code name}, {@code
   * source}, {@code destination}, or the API's {@code source_path}, {@code destination_path}),
   * checked as the API checks them; else an exception with one line per problem ({@code line
   * N.column: message}).
   */
  public static List<Jobs.OwnerSpec> fromCsvFile(String csv) {
    try {
      return fromCsv(csv);
    } catch (InvalidInput e) {
      throw new IllegalArgumentException(
          String.join(
              "\n",
              e.fields().entrySet().stream()
                  .map(x -> (x.getKey().equals("body") ? "" : x.getKey() + ": ") + x.getValue())
                  .toList()));
    }
  }

  private static String blankToNull(String s) {
    return s == null || s.isBlank() ? null : s;
  }

  private static Jobs.OwnerSpec defaults(Jobs.OwnerSpec o) {
    String src = ConnectionLocation.normalize(o.sourcePath());
    String dst = o.destPath() == null ? src : ConnectionLocation.normalize(o.destPath());
    return new Jobs.OwnerSpec(o.name(), src, dst);
  }

  /**
   * {@link SafePath} judges paths written to a destination and says so; a path read from the source
   * escapes the source's root, and the message must name that side.
   */
  static String onSide(String problem, String side) {
    return problem.replace("the destination root", "the " + side + " root");
  }

  static Map<String, String> check(
      List<Jobs.OwnerSpec> owners, java.util.function.IntFunction<String> prefix) {
    Map<String, String> problems = new TreeMap<>();
    Map<String, Integer> sources = new TreeMap<>();
    Map<String, Integer> dests = new TreeMap<>();
    for (int i = 0; i < owners.size(); i++) {
      Jobs.OwnerSpec o = owners.get(i);
      String src = ConnectionLocation.normalize(o.sourcePath());
      if (o.sourcePath() == null || src.isEmpty()) {
        problems.put(
            prefix.apply(i) + "sourcePath", "is required: a folder below the job's source path");
        continue;
      }
      Optional<String> bad = SafePath.problem(src);
      if (bad.isPresent()) {
        problems.put(
            prefix.apply(i) + "sourcePath",
            "'" + o.sourcePath() + "': " + onSide(bad.get(), "source"));
        continue;
      }
      String dst = o.destPath() == null ? src : ConnectionLocation.normalize(o.destPath());
      Optional<String> badDst = dst.isEmpty() ? Optional.empty() : SafePath.problem(dst);
      if (badDst.isPresent()) {
        problems.put(
            prefix.apply(i) + "destinationPath", "'" + o.destPath() + "': " + badDst.get());
        continue;
      }
      overlap(sources, src, i, "sourcePath", "source", prefix, problems);
      overlap(dests, dst, i, "destinationPath", "destination", prefix, problems);
    }
    return problems;
  }

  private static void overlap(
      Map<String, Integer> seen,
      String path,
      int i,
      String field,
      String what,
      java.util.function.IntFunction<String> prefix,
      Map<String, String> problems) {
    for (Map.Entry<String, Integer> e : seen.entrySet()) {
      String other = e.getKey();
      if (other.equals(path)
          || path.isEmpty()
          || other.isEmpty()
          || path.startsWith(other + "/")
          || other.startsWith(path + "/")) {
        problems.put(
            prefix.apply(i) + field,
            "'"
                + path
                + "' overlaps the "
                + what
                + " path '"
                + other
                + "' of owner #"
                + (e.getValue() + 1)
                + "; owners must not share or nest "
                + what
                + " paths");
        return;
      }
    }
    seen.put(path, i);
  }
}
