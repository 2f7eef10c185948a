package dev.ferry.api.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.api.server.ApiHarness.Api;
import dev.ferry.api.server.ApiHarness.Res;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Requests on one job that race each other against the real server take turns ({@code JobService}:
 * the job's row locked in the transaction that checks and writes): of several run starts at once
 * exactly one starts a run and the others are 409s naming it; a change of the job's owners that
 * races a run start either comes first (the run runs the new owners) or is a 409.
 */
class JobRaceTest {
  static ApiHarness h;
  static Api api;
  static String src;
  static String dst;
  static String project;
  static ExecutorService pool;
  @TempDir static Path dir;

  @BeforeAll
  static void up() throws Exception {
    h = ApiHarness.get();
    api = h.admin;
    String client = api.client("Race " + UUID.randomUUID());
    for (String o : List.of("a", "b", "c")) {
      Files.createDirectories(dir.resolve("src").resolve(o));
      Files.writeString(dir.resolve("src").resolve(o).resolve("f.txt"), o);
    }
    src = api.localConnection(client, "src", dir.resolve("src"));
    dst = api.localConnection(client, "dst", dir.resolve("dst"));
    project = api.project(client, "p");
    pool = Executors.newFixedThreadPool(6);
  }

  @AfterAll
  static void down() {
    pool.shutdownNow();
  }

  /** Sends every request at the same moment and returns the answers in order. */
  static List<Res> atOnce(List<Supplier<Res>> requests) throws Exception {
    CyclicBarrier start = new CyclicBarrier(requests.size());
    List<Future<Res>> answers = new ArrayList<>();
    for (Supplier<Res> r : requests) {
      answers.add(
          pool.submit(
              () -> {
                start.await();
                return r.get();
              }));
    }
    List<Res> out = new ArrayList<>();
    for (Future<Res> f : answers) {
      out.add(f.get());
    }
    return out;
  }

  @Test
  void ofRunStartsAtOnceExactlyOneStartsARun() throws Exception {
    for (int round = 0; round < 3; round++) {
      String job = api.job(project, src, dst, Map.of());
      List<Supplier<Res>> starts = new ArrayList<>();
      for (int i = 0; i < 5; i++) {
        starts.add(() -> api.post("/jobs/" + job + "/runs", Map.of("mode", "DRY_RUN")));
      }
      List<Res> answers = atOnce(starts);
      List<Res> created = answers.stream().filter(r -> r.status() == 201).toList();
      assertThat(created).as(answers.toString()).hasSize(1);
      long run = created.get(0).json().get("id").asLong();
      for (Res r : answers) {
        if (r.status() != 201) {
          assertThat(r.status()).as(r.toString()).isEqualTo(409);
          assertThat(r.json().get("error").asText())
              .isEqualTo(
                  "run "
                      + run
                      + " of the job has not ended: pause, resume or cancel it, or wait for it to"
                      + " end");
        }
      }
      assertThat(api.get("/jobs/" + job + "/runs").json().get("runs")).hasSize(1);
    }
  }

  @Test
  void aChangeOfTheOwnersRacingARunStartComesFirstOrIsRefused() throws Exception {
    for (int round = 0; round < 4; round++) {
      String job =
          api.job(
              project,
              src,
              dst,
              Map.of("owners", List.of(Map.of("sourcePath", "a"), Map.of("sourcePath", "b"))));
      List<Res> answers =
          atOnce(
              List.of(
                  () ->
                      api.patch(
                          "/jobs/" + job, Map.of("owners", List.of(Map.of("sourcePath", "c")))),
                  () -> api.post("/jobs/" + job + "/runs", Map.of("mode", "DRY_RUN"))));
      Res patch = answers.get(0);
      Res start = answers.get(1);
      assertThat(start.status()).as(start.toString()).isEqualTo(201);
      List<String> ran = new ArrayList<>();
      start.json().get("owners").forEach(o -> ran.add(o.get("sourcePath").asText()));
      if (patch.status() == 200) {
        assertThat(ran)
            .as("the change came first: the run runs the new owners")
            .containsExactly("c");
      } else {
        assertThat(patch.status()).as(patch.toString()).isEqualTo(409);
        assertThat(patch.json().get("error").asText())
            .contains("of the job has not ended: pause, resume or cancel it");
        assertThat(ran).containsExactly("a", "b");
        assertThat(api.get("/jobs/" + job + "/owners").json().get("owners")).hasSize(2);
      }
    }
  }
}
