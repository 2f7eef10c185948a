package dev.ferry.api.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ferry.api.server.ApiHarness.Api;
import dev.ferry.api.server.ApiHarness.Res;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A cutover end to end on the real server, Temporal dev server and PostgreSQL, local to local: the
 * source changes between rounds and the deltas shrink; the switch is refused until a verification
 * passes; a file changed after the freeze fails the gate and is named (JSON and CSV); another final
 * round mends it; the freeze and switch hooks run once each with the job in their environment;
 * after the switch an abort is refused and decommission ends it.
 */
class CutoverApiTest {
  static ApiHarness h;
  static Api api;
  static String client;
  static String project;
  @TempDir Path dir;

  @BeforeAll
  static void up() {
    h = ApiHarness.get();
    api = h.admin;
    client = api.client("Cutover " + UUID.randomUUID());
    project = api.project(client, "cutover");
  }

  JsonNode cutover(String job) {
    Res r = api.get("/jobs/" + job + "/cutover");
    assertThat(r.status()).as(r.toString()).isEqualTo(200);
    return r.json();
  }

  JsonNode awaitCutover(String job, java.util.function.Predicate<JsonNode> cond) {
    JsonNode[] last = new JsonNode[1];
    try {
      ApiHarness.await(
          Duration.ofSeconds(120),
          () -> {
            last[0] = cutover(job);
            return cond.test(last[0]);
          });
    } catch (AssertionError e) {
      throw new AssertionError(e.getMessage() + "; the cutover last read " + last[0], e);
    }
    return last[0];
  }

  static boolean idle(JsonNode c) {
    return !c.get("roundRunning").asBoolean();
  }

  Res step(String job, String step) {
    return api.post("/jobs/" + job + "/cutover/" + step, Map.of());
  }

  @Test
  void roundsConvergeTheGateNamesALateChangeAndTheSwitchWaitsForAPassingVerification()
      throws Exception {
    Path src = dir.resolve("src");
    Path dst = dir.resolve("dst");
    for (int i = 0; i < 20; i++) {
      ApiRunTest.write(src.resolve("docs/f" + i + ".bin"), 10_000 + i, i);
    }
    Path hooks = dir.resolve("hooks.log");
    String s = api.localConnection(client, "src " + UUID.randomUUID(), src);
    String d = api.localConnection(client, "dst " + UUID.randomUUID(), dst);
    String job = api.job(project, s, d, Map.of());

    // refused before it exists, and for bad input
    assertThat(api.get("/jobs/" + job + "/cutover").status()).isEqualTo(404);
    Res bad =
        api.post(
            "/jobs/" + job + "/cutover",
            Map.of("roundIntervalMinutes", 0, "freezeHook", Map.of("url", "ftp://x")));
    assertThat(bad.status()).as(bad.toString()).isEqualTo(400);
    assertThat(bad.body())
        .contains("roundIntervalMinutes")
        .contains("must be an http or https URL");

    String hook = "echo \"$FERRY_HOOK $FERRY_JOB_ID $FERRY_DESTINATION\" >> '" + hooks + "'";
    Res started =
        api.post(
            "/jobs/" + job + "/cutover",
            Map.of(
                "readyWhenDeltaBelow",
                Map.of("files", 3),
                "freezeHook",
                Map.of("command", hook),
                "switchHook",
                Map.of("command", hook),
                "fallbackDays",
                7));
    assertThat(started.status()).as(started.toString()).isEqualTo(201);
    assertThat(started.json().get("state").asText()).isEqualTo("syncing");
    assertThat(api.post("/jobs/" + job + "/cutover", Map.of()).status()).isEqualTo(409);

    // round 1 copies everything
    JsonNode c = awaitCutover(job, x -> x.get("rounds").size() == 1 && idle(x));
    assertThat(c.at("/rounds/0/mode").asText()).isEqualTo("FULL");
    assertThat(c.at("/rounds/0/filesCopied").asLong()).isEqualTo(20);
    assertThat(c.get("ready").asBoolean()).isFalse();
    assertThat(step(job, "switch").body())
        .contains("cannot switch before a verification passes: freeze the source first");
    assertThat(step(job, "verify").status()).isEqualTo(409);

    assertThat(c.at("/rounds/0/filesDeleted").asLong()).isZero();

    // the source changes: round 2 copies the five changed and sees one deleted, round 3 copies the
    // one new (and sees no deletion: each round counts those since the round before)
    for (int i = 0; i < 5; i++) {
      ApiRunTest.write(src.resolve("docs/f" + i + ".bin"), 20_000 + i, 100 + i);
    }
    Files.delete(src.resolve("docs/f19.bin"));
    assertThat(step(job, "round").status()).isEqualTo(200);
    c = awaitCutover(job, x -> x.get("rounds").size() == 2 && idle(x));
    assertThat(c.at("/rounds/1/mode").asText()).isEqualTo("INCREMENTAL");
    assertThat(c.at("/rounds/1/filesCopied").asLong()).isEqualTo(5);
    assertThat(c.at("/rounds/1/filesDeleted").asLong()).isEqualTo(1);
    assertThat(c.get("message").asText()).contains("and saw 1 deleted at the source");
    // the destination drops it as well (the gate would list it as extra)
    Files.delete(dst.resolve("docs/f19.bin"));
    ApiRunTest.write(src.resolve("docs/new.bin"), 500, 7);
    assertThat(step(job, "round").status()).isEqualTo(200);
    c = awaitCutover(job, x -> x.get("rounds").size() == 3 && idle(x));
    assertThat(c.at("/rounds/2/filesCopied").asLong()).isEqualTo(1);
    assertThat(c.at("/rounds/2/filesDeleted").asLong()).isZero();
    assertThat(c.get("ready").asBoolean()).as(c.toString()).isTrue();
    assertThat(c.get("estimatedFinalSyncSeconds").isNumber()).isTrue();

    // freeze: the hook runs, Ferry removes the local source's write permission, the final round
    // and the gate follow; a file the final round could not see (changed at the destination after
    // it) fails the gate and is named
    Map<String, Integer> modes = modes(src);
    Res frozen = step(job, "freeze");
    assertThat(frozen.status()).as(frozen.toString()).isEqualTo(200);
    c =
        awaitCutover(
            job,
            x ->
                x.get("state").asText().startsWith("verif")
                    && !x.get("state").asText().equals("verifying"));
    assertThat(c.get("state").asText()).as(c.toString()).isEqualTo("verified");
    assertThat(modes(src).values()).allSatisfy(m -> assertThat(m & 0222).isZero());
    assertThat(c.get("steps").findValuesAsText("outcome"))
        .anySatisfy(
            o ->
                assertThat(o)
                    .startsWith(
                        "Ferry removed write permission from 20 files and 2 folders under "));
    assertThat(c.at("/rounds/3/finalRound").asBoolean()).isTrue();
    assertThat(c.at("/lastCheck/filesCompared").asLong()).isEqualTo(20);
    // a late change, then another final round is asked for but the gate is run by hand first
    Path late = dst.resolve("docs/f7.bin");
    ApiRunTest.write(late, 10_007, 999); // same size, other content, at the destination
    Files.setLastModifiedTime(late, Files.getLastModifiedTime(src.resolve("docs/f7.bin")));
    assertThat(step(job, "verify").status()).isEqualTo(200);
    c = awaitCutover(job, x -> x.get("state").asText().equals("verification_failed"));
    assertThat(c.at("/lastCheck/differences").asLong()).isEqualTo(1);
    assertThat(c.at("/lastCheck/byKind/content").asLong()).isEqualTo(1);
    Res refused = step(job, "switch");
    assertThat(refused.status()).isEqualTo(409);
    assertThat(refused.body()).contains("cannot switch: the last verification found 1 difference");
    JsonNode diffs = api.get("/jobs/" + job + "/cutover/differences").json();
    assertThat(diffs.at("/differences/0/path").asText()).isEqualTo("docs/f7.bin");
    assertThat(diffs.at("/differences/0/kind").asText()).isEqualTo("content");
    String csv = api.get("/jobs/" + job + "/cutover/differences.csv").body();
    assertThat(csv).startsWith("path,kind,detail").contains("docs/f7.bin,content,\"SHA-256");

    // a source file written after the freeze is named as such, whatever else the gate finds
    Files.copy(src.resolve("docs/f7.bin"), late, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    // someone with the rights writes anyway (the read-only source does not stop its owner)
    Files.setAttribute(src.resolve("docs/f3.bin"), "unix:mode", 0644);
    ApiRunTest.write(src.resolve("docs/f3.bin"), 300, 33);
    Files.setLastModifiedTime(
        src.resolve("docs/f3.bin"), FileTime.from(Instant.now().plusSeconds(5)));
    assertThat(step(job, "verify").status()).isEqualTo(200);
    c =
        awaitCutover(
            job,
            x ->
                x.get("state").asText().equals("verification_failed")
                    && x.at("/lastCheck/number").asInt() == 3);
    diffs = api.get("/jobs/" + job + "/cutover/differences").json();
    assertThat(diffs.get("differences").findValuesAsText("kind"))
        .containsExactlyInAnyOrder("changed_since_freeze", "size");
    assertThat(diffs.get("differences").findValuesAsText("path")).containsOnly("docs/f3.bin");

    // frozen again: the hook runs again, the final round copies the change, the gate passes
    Files.setLastModifiedTime(
        src.resolve("docs/f3.bin"), FileTime.from(Instant.now().minusSeconds(60)));
    assertThat(step(job, "freeze").status()).isEqualTo(200);
    c =
        awaitCutover(
            job,
            x ->
                x.get("state").asText().equals("verified")
                    && x.at("/lastCheck/number").asInt() == 4);
    assertThat(c.at("/rounds/4/filesCopied").asLong()).isEqualTo(1);
    Res switched = step(job, "switch");
    assertThat(switched.status()).as(switched.toString()).isEqualTo(200);
    c = awaitCutover(job, x -> x.get("state").asText().equals("fallback"));
    Instant ends = Instant.parse(c.get("fallbackEndsAt").asText());
    assertThat(ends).isAfter(Instant.now().plus(Duration.ofDays(6)));
    assertThat(Files.readAllLines(hooks))
        .as("each hook ran once per step, with the job and destination")
        .hasSize(3)
        .allSatisfy(l -> assertThat(l).contains(job))
        .satisfies(l -> assertThat(l.get(0)).startsWith("freeze "))
        .satisfies(l -> assertThat(l.get(1)).startsWith("freeze "))
        .satisfies(l -> assertThat(l.get(2)).startsWith("switch "));
    assertThat(step(job, "abort").body()).contains("cannot abort after the switch");
    assertThat(step(job, "nonsense").status()).isEqualTo(404);

    assertThat(step(job, "decommission").status()).isEqualTo(200);
    c = awaitCutover(job, x -> x.get("state").asText().equals("decommissioned"));
    assertThat(c.get("steps").findValuesAsText("name"))
        .containsSubsequence(
            "start", "round", "round", "freeze", "verify", "switch", "decommission");
    assertThat(c.get("steps").get(0).get("by").asText()).isNotBlank();
    assertThat(Files.exists(src.resolve("docs/f0.bin"))).as("the source is untouched").isTrue();
    assertThat(modes(src)).as("the permissions are back as they were").isEqualTo(modes);
  }

  /** Every entry's permission bits below {@code root}, by relative path. */
  static Map<String, Integer> modes(Path root) throws Exception {
    Map<String, Integer> out = new java.util.TreeMap<>();
    try (var walk = Files.walk(root)) {
      for (Path p : walk.toList()) {
        out.put(
            root.relativize(p).toString(),
            (Integer) Files.getAttribute(p, "unix:mode", java.nio.file.LinkOption.NOFOLLOW_LINKS)
                & 07777);
      }
    }
    return out;
  }

  @Test
  void anAbortAfterTheFreezePutsBackTheSourcesPermissionsExactly() throws Exception {
    Path src = dir.resolve("frozen-src");
    Path dst = dir.resolve("frozen-dst");
    ApiRunTest.write(src.resolve("team/plan.txt"), 1000, 1);
    ApiRunTest.write(src.resolve("team/secret.txt"), 1000, 2);
    ApiRunTest.write(src.resolve("readme.txt"), 1000, 3);
    Files.setAttribute(src.resolve("team"), "unix:mode", 02770); // a group folder
    Files.setAttribute(src.resolve("team/secret.txt"), "unix:mode", 0600);
    Files.setAttribute(src.resolve("readme.txt"), "unix:mode", 0444); // read-only already
    Map<String, Integer> before = modes(src);
    String s = api.localConnection(client, "src " + UUID.randomUUID(), src);
    String d = api.localConnection(client, "dst " + UUID.randomUUID(), dst);
    String job = api.job(project, s, d, Map.of());
    assertThat(api.post("/jobs/" + job + "/cutover", Map.of()).status()).isEqualTo(201);
    awaitCutover(job, x -> x.get("rounds").size() == 1 && idle(x));
    assertThat(step(job, "freeze").status()).isEqualTo(200);
    JsonNode c = awaitCutover(job, x -> x.get("state").asText().equals("verified"));
    assertThat(c.get("steps").findValuesAsText("outcome"))
        .contains(
            "Ferry removed write permission from 2 files and 2 folders under "
                + src
                + " (put back on abort or decommission)");
    assertThat(modes(src))
        .containsEntry("team", 02550)
        .containsEntry("team/secret.txt", 0400)
        .containsEntry("readme.txt", 0444);
    Res aborted = api.post("/jobs/" + job + "/cutover/abort", Map.of("reason", "not tonight"));
    assertThat(aborted.status()).as(aborted.toString()).isEqualTo(200);
    c = awaitCutover(job, x -> x.get("state").asText().equals("aborted"));
    assertThat(modes(src)).isEqualTo(before);
    assertThat(c.get("steps").findValuesAsText("outcome"))
        .contains("Ferry put back the write permission of 4 entries");
    assertThat(Files.mismatch(dst.resolve("team/plan.txt"), src.resolve("team/plan.txt")))
        .as("the destination keeps what was copied")
        .isEqualTo(-1L);
  }

  @Test
  void anAbortStopsTheRunningRoundAndKeepsWhatWasCopied() throws Exception {
    Path src = dir.resolve("src");
    Path dst = dir.resolve("dst");
    for (int i = 0; i < 6; i++) {
      ApiRunTest.write(src.resolve("f" + i + ".bin"), 1 << 20, i);
    }
    String s = api.localConnection(client, "src " + UUID.randomUUID(), src);
    String d = api.localConnection(client, "dst " + UUID.randomUUID(), dst);
    String job = api.job(project, s, d, Map.of("options", Map.of("bwlimitMbps", 2)));
    assertThat(api.post("/jobs/" + job + "/cutover", Map.of()).status()).isEqualTo(201);
    // the first round runs (about 24 s at 2 Mbps)
    awaitCutover(job, x -> x.get("rounds").size() == 1 && !x.at("/rounds/0").has("endedAt"));
    Res aborted =
        api.post("/jobs/" + job + "/cutover/abort", Map.of("reason", "the client postponed"));
    assertThat(aborted.status()).as(aborted.toString()).isEqualTo(200);
    JsonNode c = awaitCutover(job, x -> x.get("state").asText().equals("aborted"));
    assertThat(c.get("message").asText()).contains("the client postponed");
    JsonNode run = api.awaitEnd(job).get("lastRun");
    assertThat(run.get("state").asText()).isEqualTo("CANCELLED");
    // a new cutover may start after an abort
    assertThat(api.post("/jobs/" + job + "/cutover", Map.of()).status()).isEqualTo(201);
    assertThat(step(job, "abort").status()).isEqualTo(200);
  }

  @Test
  void decommissionDeletesAtTheSourceOnlyTheVerifiedFilesUnchangedSince() throws Exception {
    Path src = dir.resolve("src");
    Path dst = dir.resolve("dst");
    for (int i = 0; i < 6; i++) {
      ApiRunTest.write(src.resolve("docs/f" + i + ".bin"), 4_000 + i, i);
    }
    String s = api.localConnection(client, "src " + UUID.randomUUID(), src);
    String d = api.localConnection(client, "dst " + UUID.randomUUID(), dst);
    String job = api.job(project, s, d, Map.of());
    assertThat(api.post("/jobs/" + job + "/cutover", Map.of()).status()).isEqualTo(201);
    awaitCutover(job, x -> x.get("rounds").size() == 1 && idle(x));

    // only decommission takes deleteSource, and only after the switch
    Res wrongStep = api.post("/jobs/" + job + "/cutover/round", Map.of("deleteSource", true));
    assertThat(wrongStep.status()).as(wrongStep.toString()).isEqualTo(400);
    assertThat(wrongStep.body()).contains("deleteSource").contains("decommission only");
    // false asks for nothing, whatever the step (the document allows it on every step)
    Res harmless = api.post("/jobs/" + job + "/cutover/verify", Map.of("deleteSource", false));
    assertThat(harmless.status()).as(harmless.toString()).isEqualTo(409); // not frozen yet
    Res early = api.post("/jobs/" + job + "/cutover/decommission", Map.of("deleteSource", true));
    assertThat(early.status()).isEqualTo(409);
    assertThat(early.body()).contains("cannot decommission before the switch");

    assertThat(step(job, "freeze").status()).isEqualTo(200);
    awaitCutover(job, x -> x.get("state").asText().equals("verified"));
    assertThat(step(job, "switch").status()).isEqualTo(200);
    awaitCutover(job, x -> x.get("state").asText().equals("fallback"));

    // after the verification: one file changed (same size), one added
    ApiRunTest.write(src.resolve("docs/f1.bin"), 4_001, 77);
    ApiRunTest.write(src.resolve("docs/late.bin"), 100, 5);
    Res dec = api.post("/jobs/" + job + "/cutover/decommission", Map.of("deleteSource", true));
    assertThat(dec.status()).as(dec.toString()).isEqualTo(200);
    JsonNode c = awaitCutover(job, x -> x.get("state").asText().equals("decommissioned"));

    try (var left = Files.walk(src)) {
      assertThat(left.filter(Files::isRegularFile).map(p -> src.relativize(p).toString()))
          .as("the changed and the new file are kept, the verified ones deleted")
          .containsExactlyInAnyOrder("docs/f1.bin", "docs/late.bin");
    }
    for (int i = 0; i < 6; i++) {
      assertThat(dst.resolve("docs/f" + i + ".bin")).as("the destination keeps all").exists();
    }
    assertThat(c.get("message").asText())
        .contains("deleted 5 verified files")
        .contains("kept 1 changed or gone since (docs/f1.bin)")
        .contains("nothing else was deleted");
    JsonNode deleted = null;
    for (JsonNode st : c.get("steps")) {
      if (st.get("name").asText().equals("source deleted")) {
        deleted = st;
      }
    }
    assertThat(deleted).as(c.toString()).isNotNull();
    assertThat(deleted.get("by").asText()).isEqualTo("ferry");
    assertThat(deleted.get("outcome").asText()).contains("deleted 5 verified files");

    // every file's outcome is kept in the catalog
    String csv = api.get("/jobs/" + job + "/cutover/verified.csv").body();
    assertThat(csv.lines())
        .first()
        .isEqualTo("path,size,algorithm,hash,checked_by,decommission,decommissioned_at");
    assertThat(csv.lines().filter(l -> l.contains(",deleted,"))).hasSize(5);
    assertThat(csv.lines().filter(l -> l.startsWith("docs/f1.bin,")).findFirst().orElseThrow())
        .contains("kept: changed since the verification (sha256 ");
    assertThat(csv).doesNotContain("late.bin");
  }
}
