package dev.ferry.api.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ferry.api.server.ApiHarness.Api;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The dashboard in a real browser: {@code src/test/browser/dashboard.mjs} drives Debian's chromium
 * with playwright-core (both installed by {@code scripts/setup --test}) against this JVM's real
 * server — sign in, a wrong token refused, the cookie HttpOnly and SameSite=Strict, a change
 * without the CSRF token refused, a bandwidth-limited run started from the page whose progress bar
 * and throughput chart advance without a reload, paused and resumed with its buttons and run to its
 * end, a second run cancelled with its button, the owners and log filtered, the Temporal UI links,
 * the CSV report downloaded and read, a staged start of one owner, a cutover's two rounds with
 * shrinking deltas and its abort, a run of a job whose agent never came shown waiting for it (the
 * agent offline), sign out, and a client token's view holding only its client. Screenshots are kept
 * in {@code target/screenshots}.
 */
class DashboardBrowserTest {
  static final int FILES = 16;
  @TempDir Path dir;

  static Path root() {
    return Path.of(System.getProperty("user.dir")).getParent();
  }

  @Test
  void anOperatorAndAClientUseTheDashboardInChromium() throws Exception {
    Path chromium = Path.of("/usr/bin/chromium");
    Path playwright = root().resolve(".tools/playwright/node_modules/playwright-core");
    assertThat(chromium)
        .as("Debian's chromium (scripts/setup --test installs it: apt-get install chromium)")
        .isExecutable();
    assertThat(playwright.resolve("package.json"))
        .as("playwright-core (scripts/setup --test installs it into .tools/playwright)")
        .exists();

    ApiHarness h = ApiHarness.get();
    Api admin = h.admin;
    String nameA = "Browser A " + UUID.randomUUID().toString().substring(0, 6);
    String nameB = "Browser B " + UUID.randomUUID().toString().substring(0, 6);
    String a = admin.client(nameA);
    String b = admin.client(nameB);
    // 16 MiB in two owners at 8 Mbps (1 MB/s): about sixteen seconds of copying to watch, pause
    // and resume, however slow the machine (the pause has to land before the end)
    Path src = dir.resolve("a-src");
    for (int i = 0; i < FILES; i++) {
      ApiRunTest.write(src.resolve((i % 2 == 0 ? "ann" : "ben") + "/f" + i + ".bin"), 1 << 20, i);
    }
    String slow =
        admin.job(
            admin.project(a, "file server"),
            admin.localConnection(a, "a-src", src),
            admin.localConnection(a, "a-dst", dir.resolve("a-dst")),
            Map.of(
                "name",
                "home folders",
                "owners",
                java.util.List.of(
                    Map.of("name", "Ann", "sourcePath", "ann"),
                    Map.of("name", "Ben", "sourcePath", "ben")),
                "options",
                Map.of("bwlimitMbps", 8, "concurrency", 2)));
    Path srcB = dir.resolve("b-src");
    ApiRunTest.write(srcB.resolve("x.bin"), 1000, 7);
    String other =
        admin.job(
            admin.project(b, "archive"),
            admin.localConnection(b, "b-src", srcB),
            admin.localConnection(b, "b-dst", dir.resolve("b-dst")),
            Map.of("name", "globex archive"));
    admin.run(other, "FULL");
    admin.awaitEnd(other);
    // a job of an agent that never came: its run waits for it, and the page says so
    String code =
        admin
            .post("/agents/registration-codes", Map.of("clientId", a, "name", "a-site"))
            .json()
            .get("code")
            .asText();
    String agent = h.api(code).post("/agents/register", null).json().get("agentId").asText();
    Path far = Files.createDirectories(dir.resolve("at-the-site"));
    String waiting =
        admin.job(
            admin.project(a, "site"),
            agentConnection(admin, a, far.resolve("src"), agent),
            agentConnection(admin, a, far.resolve("dst"), agent),
            Map.of("name", "at the site", "agentId", agent));
    // client B's transit cutover, ready, one of its two accounts moved to the transit
    Path hosted = dir.resolve("b-server");
    ApiRunTest.write(hosted.resolve("shop/index.html"), 500, 3);
    ApiRunTest.write(hosted.resolve("blog/index.html"), 500, 4);
    ApiHarness.Res created =
        admin.post(
            "/transits",
            Map.of(
                "projectId",
                admin.project(b, "hosting"),
                "name",
                "srv-42",
                "server",
                Map.of("files", Map.of("connectionId", admin.localConnection(b, "b-srv", hosted))),
                "transit",
                Map.of(
                    "files",
                    Map.of(
                        "connectionId",
                        admin.localConnection(b, "b-transit", dir.resolve("b-transit")))),
                "accounts",
                java.util.List.of(Map.of("name", "shop"), Map.of("name", "blog"))));
    assertThat(created.status()).as(created.toString()).isEqualTo(201);
    String transit = created.id();
    admin.post("/transits/" + transit + "/request", Map.of());
    ApiHarness.await(
        java.time.Duration.ofSeconds(120),
        () -> admin.get("/transits/" + transit).json().get("state").asText().equals("ready"));
    admin.post("/transits/" + transit + "/move-account", Map.of("account", "shop"));
    ApiHarness.await(
        java.time.Duration.ofSeconds(120),
        () ->
            admin
                .get("/transits/" + transit)
                .json()
                .at("/accounts/0/location")
                .asText()
                .equals("transit"));
    String clientToken =
        admin
            .post("/tokens", Map.of("name", "A portal", "clientId", a))
            .json()
            .get("token")
            .asText();

    Path screenshots = Path.of(System.getProperty("user.dir"), "target", "screenshots");
    Path downloads = Files.createDirectories(dir.resolve("downloads"));
    ProcessBuilder pb =
        new ProcessBuilder("node", root().resolve("api/src/test/browser/dashboard.mjs").toString())
            .redirectErrorStream(true);
    Map<String, String> env = pb.environment();
    env.put("FERRY_URL", h.base().replace("/api/v1", "/"));
    env.put("FERRY_PLAYWRIGHT", playwright.toString());
    env.put("FERRY_SCREENSHOTS", screenshots.toString());
    env.put("FERRY_DOWNLOADS", downloads.toString());
    env.put("ADMIN_TOKEN", h.adminToken);
    env.put("CLIENT_TOKEN", clientToken);
    env.put("SLOW_JOB", slow);
    env.put("OTHER_JOB", other);
    env.put("WAIT_JOB", waiting);
    env.put("TRANSIT", transit);
    env.put("CLIENT_A", nameA);
    env.put("CLIENT_B", nameB);
    env.put("SLOW_FILES", String.valueOf(FILES));
    env.put("SLOW_SRC", src.toString());
    env.put("TEMPORAL_UI", h.server.temporal().uiAddress());
    Process node = pb.start();
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    Thread reader = Thread.ofVirtual().start(() -> copy(node, out));
    boolean ended = node.waitFor(4, TimeUnit.MINUTES);
    if (!ended) {
      node.destroyForcibly();
    }
    reader.join(5000);
    String log = out.toString(StandardCharsets.UTF_8);
    System.out.println(log);
    assertThat(ended).as("the browser test ended within 4 minutes:\n" + log).isTrue();
    assertThat(node.exitValue()).as("the browser test:\n" + log).isZero();
    assertThat(log).contains("every scenario passed");

    // what the browser did happened on the server: the full run completed after its pause and
    // resume, a second one was cancelled, a staged run of one owner came next, then the cutover's
    // two rounds (four files, then
    // one)
    JsonNode runs = admin.get("/jobs/" + slow + "/runs").json().get("runs");
    assertThat(runs).hasSize(5);
    JsonNode run = runs.get(4);
    assertThat(runs.get(3).get("state").asText()).isEqualTo("CANCELLED");
    assertThat(run.get("mode").asText()).isEqualTo("FULL");
    assertThat(run.get("state").asText()).isEqualTo("COMPLETED");
    JsonNode stagedRun =
        admin.get("/jobs/" + slow + "/runs/" + runs.get(2).get("id").asLong()).json();
    assertThat(stagedRun.at("/ownerTotals/total").asInt()).isEqualTo(1);
    assertThat(stagedRun.at("/owners/0/name").asText()).isEqualTo("Ann");
    assertThat(run.get("workflowId").asText())
        .isEqualTo("ferry-job-" + slow + "-run-" + run.get("id").asLong());
    assertThat(run.at("/files/transferred").asLong()).isEqualTo(FILES);
    assertThat(dir.resolve("a-dst/ann/f0.bin")).hasSameBinaryContentAs(src.resolve("ann/f0.bin"));
    assertThat(screenshots.resolve("03-job-paused.png")).exists();
    assertThat(screenshots.resolve("06-cutover.png")).exists();
    assertThat(screenshots.resolve("08-client-jobs.png")).exists();
    assertThat(screenshots.resolve("11-transits.png")).exists();
    JsonNode cutover = admin.get("/jobs/" + slow + "/cutover").json();
    assertThat(cutover.get("state").asText()).isEqualTo("aborted");
    assertThat(ApiHarness.each(cutover.get("rounds"), "filesCopied")).containsExactly("4", "1");
  }

  private static String agentConnection(Api admin, String client, Path root, String agent) {
    ApiHarness.Res r =
        admin.post(
            "/clients/" + client + "/connections",
            Map.of(
                "name",
                "site " + UUID.randomUUID(),
                "kind",
                "local",
                "settings",
                Map.of("root", root.toString(), "agentId", agent)));
    assertThat(r.status()).as(r.toString()).isEqualTo(201);
    return r.id();
  }

  private static void copy(Process p, ByteArrayOutputStream out) {
    try (var in = p.getInputStream()) {
      in.transferTo(out);
    } catch (java.io.IOException e) {
      // the process went away
    }
  }
}
