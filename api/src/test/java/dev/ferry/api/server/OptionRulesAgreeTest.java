package dev.ferry.api.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.activities.catalog.OptionRules;
import dev.ferry.api.cli.Ferry;
import dev.ferry.api.server.ApiHarness.Api;
import dev.ferry.api.server.ApiHarness.Res;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code ferry migrate} and the API refuse the same bad values of the options both have with the
 * same message ({@code OptionRules}), each side naming the options its own way: the command line
 * prints {@code --flag message}, the API answers 400 with {@code message} under the option's field.
 */
class OptionRulesAgreeTest {
  static ApiHarness h;
  static Api api;
  static String src;
  static String dst;
  static String project;
  @TempDir static Path dir;

  @BeforeAll
  static void up() throws Exception {
    h = ApiHarness.get();
    api = h.admin;
    String client = api.client("Agree " + UUID.randomUUID());
    src = api.localConnection(client, "src", dir.resolve("src"));
    dst = api.localConnection(client, "dst", dir.resolve("dst"));
    project = api.project(client, "p");
    Files.createDirectories(dir.resolve("cli-src"));
  }

  /**
   * One bad value: the flags given to {@code ferry migrate}, the same choice as the API's {@code
   * filters} and {@code options}, the API field that names it, and a part of the message both must
   * say.
   */
  record Case(
      List<String> flags,
      Map<String, Object> filters,
      Map<String, Object> options,
      String field,
      String says) {}

  static Case opt(List<String> flags, Map<String, Object> options, String field, String says) {
    return new Case(flags, null, options, "options." + field, says);
  }

  static Case filt(List<String> flags, Map<String, Object> filters, String field, String says) {
    return new Case(flags, filters, null, "filters." + field, says);
  }

  /** How the command line names what the API calls {@code olderThan}, {@code verify=false}... */
  static String onTheCommandLine(String apiMessage) {
    return apiMessage
        .replace("olderThan", "--older-than")
        .replace("deleteSource", "--delete-source")
        .replace("verify=false", "--no-verify");
  }

  @Test
  void theCommandLineAndTheApiRefuseTheSameValuesWithTheSameMessage() {
    List<String> many = Collections.nCopies(201, "*.tmp");
    List<String> manyFlags = new ArrayList<>();
    many.forEach(g -> manyFlags.addAll(List.of("--exclude", g)));
    List<Case> cases =
        List.of(
            filt(
                List.of("--include", "[oops"),
                Map.of("include", List.of("[oops")),
                "include[0]",
                "'[oops' is not a valid pattern"),
            filt(
                List.of("--exclude", "[oops"),
                Map.of("exclude", List.of("[oops")),
                "exclude[0]",
                "is not a valid pattern"),
            filt(manyFlags, Map.of("exclude", many), "exclude", "at most 200 patterns (got 201)"),
            filt(
                List.of("--older-than", "yesterdayish"),
                Map.of("olderThan", "yesterdayish"),
                "olderThan",
                "'yesterdayish' is neither a date"),
            filt(
                List.of("--newer-than", "3x"),
                Map.of("newerThan", "3x"),
                "newerThan",
                "'3x' is neither a date"),
            filt(
                List.of("--older-than", "2020-01-01", "--newer-than", "2021-01-01"),
                Map.of("olderThan", "2020-01-01", "newerThan", "2021-01-01"),
                "newerThan",
                "must be earlier than olderThan, or no file can match"),
            opt(
                List.of("--concurrency", "0"),
                Map.of("concurrency", 0),
                "concurrency",
                "must be between 1 and 32 (got 0)"),
            opt(
                List.of("--concurrency", "33"),
                Map.of("concurrency", 33),
                "concurrency",
                "must be between 1 and 32 (got 33)"),
            opt(
                List.of("--chunk-size", "4"),
                Map.of("chunkSizeMiB", 4),
                "chunkSizeMiB",
                "must be between 5 and 256 MiB (got 4"),
            opt(
                List.of("--chunk-size", "300"),
                Map.of("chunkSizeMiB", 300),
                "chunkSizeMiB",
                "(got 300; S3 parts must be at least 5 MiB)"),
            opt(
                List.of("--bwlimit", "-1"),
                Map.of("bwlimitMbps", -1),
                "bwlimitMbps",
                "must be between 0 and 1000000 Mbps, 0 for no limit (got -1)"),
            opt(
                List.of("--bwlimit", "1000000.5"),
                Map.of("bwlimitMbps", 1000000.5),
                "bwlimitMbps",
                "(got 1000000.5)"),
            opt(
                List.of("--remove-empty-dirs"),
                Map.of("removeEmptyDirs", true),
                "removeEmptyDirs",
                "only applies with deleteSource"),
            opt(
                List.of("--delete-source", "--no-verify"),
                Map.of("deleteSource", true, "verify", false),
                "deleteSource",
                "deletes only verified copies: it cannot be combined with verify=false"),
            opt(
                List.of("--names", "rename"),
                Map.of("names", "rename"),
                "names",
                "must be 'refuse' or 'remap' (got 'rename')"),
            opt(
                List.of("--links", "hop"),
                Map.of("links", "hop"),
                "links",
                "must be 'skip', 'follow' or 'preserve' (got 'hop')"),
            opt(
                List.of("--links", "follow", "--delete-source"),
                Map.of("links", "follow", "deleteSource", true),
                "links",
                "cannot be combined with deleteSource"),
            opt(
                List.of("--retries", "101"),
                Map.of("retries", 101),
                "retries",
                "must be between 0 and 100 (got 101)"),
            opt(
                List.of("--retries", "-1"),
                Map.of("retries", -1),
                "retries",
                "must be between 0 and 100 (got -1)"),
            opt(
                List.of("--accept-altered", "some"),
                Map.of("acceptAltered", "some"),
                "acceptAltered",
                "must be none, office or all (got 'some')"),
            opt(
                List.of("--shard-items", "0"),
                Map.of("shards", Map.of("items", 0)),
                "shards.items",
                "must be between 1 and 1000000000000 (got 0)"),
            opt(
                List.of("--shard-items", "1000000000001"),
                Map.of("shards", Map.of("items", 1000000000001L)),
                "shards.items",
                "(got 1000000000001)"),
            opt(
                List.of("--split-at", "../etc"),
                Map.of("shards", Map.of("splitAt", List.of("../etc"))),
                "shards.splitAt[0]",
                "'../etc' must not contain empty, '.' or '..' parts"),
            opt(
                List.of("--split-at", "a", "--split-at", "a"),
                Map.of("shards", Map.of("splitAt", List.of("a", "a"))),
                "shards.splitAt[1]",
                "'a' is a split point given twice"));
    for (Case c : cases) {
      Map<String, Object> body = new HashMap<>();
      body.put("name", "agree");
      body.put("source", Map.of("connectionId", src, "path", "a"));
      body.put("destination", Map.of("connectionId", dst, "path", "b"));
      if (c.filters() != null) {
        body.put("filters", c.filters());
      }
      if (c.options() != null) {
        body.put("options", c.options());
      }
      Res r = api.post("/projects/" + project + "/jobs", body);
      assertThat(r.status()).as(c.flags() + ": " + r).isEqualTo(400);
      String message = r.field(c.field());
      assertThat(message).as(c.field() + " in " + r.body()).isNotNull().contains(c.says());

      List<String> args = new ArrayList<>();
      args.addAll(
          List.of("migrate", dir.resolve("cli-src").toString(), dir.resolve("cli-dst").toString()));
      args.addAll(c.flags());
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      ByteArrayOutputStream err = new ByteArrayOutputStream();
      int code;
      try (PrintStream o = new PrintStream(out, true, StandardCharsets.UTF_8);
          PrintStream e = new PrintStream(err, true, StandardCharsets.UTF_8)) {
        Map<String, String> env = new HashMap<>(System.getenv());
        env.put("FERRY_HOME", dir.resolve("home").toString());
        code = Ferry.execute(env, o, e, args.toArray(String[]::new));
      }
      String printed = err.toString(StandardCharsets.UTF_8);
      assertThat(code).as(c.flags() + ": " + printed).isEqualTo(Ferry.EXIT_USAGE);
      String field = c.field().replaceAll("\\[\\d+]$", "");
      String flag =
          java.util.Arrays.stream(OptionRules.Option.values())
              .filter(o -> o.field.equals(field))
              .findFirst()
              .orElseThrow()
              .flag;
      assertThat(c.flags()).contains(flag);
      assertThat(printed)
          .as(c.flags().toString())
          .contains("ferry migrate: " + flag + " " + onTheCommandLine(message) + "\n");
    }
    assertThat(dir.resolve("cli-dst")).doesNotExist();
  }
}
