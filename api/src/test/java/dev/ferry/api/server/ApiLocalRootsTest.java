package dev.ferry.api.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.api.server.ApiHarness.Api;
import dev.ferry.api.server.ApiHarness.Res;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Client tokens cannot reach the server's file system, and nobody reaches it outside the roots the
 * operator allows (FERRY_LOCAL_ROOTS; the harness allows the temporary directory, where the tests'
 * folders are): the escape attempts of issue 10 — {@code /}, {@code /etc}, {@code /root}, {@code
 * /proc/<server pid>}, {@code ..} and symbolic links, Ferry's own home — on every route that takes
 * a connection or a path, by a client token and by the operator, and every change (PATCH of a
 * connection or a job, new owners, the start of a run) re-checked against every rule.
 */
class ApiLocalRootsTest {
  static ApiHarness h;
  static Api admin;
  static Api tokenA;
  static String a;
  static String b;
  static String projectA;
  static String agentA;
  static String agentB;
  @TempDir static Path dir;

  /** The server runs in this JVM: its environment holds FERRY_ADMIN_TOKEN. */
  static final String SERVER_PROC = "/proc/" + ProcessHandle.current().pid();

  @BeforeAll
  static void world() throws Exception {
    h = ApiHarness.get();
    admin = h.admin;
    a = admin.client("Roots A " + UUID.randomUUID());
    b = admin.client("Roots B " + UUID.randomUUID());
    tokenA =
        h.api(
            admin.post("/tokens", Map.of("name", "a", "clientId", a)).json().get("token").asText());
    projectA = admin.project(a, "pa");
    agentA = register(tokenA.post("/agents/registration-codes", Map.of("name", "a-site")));
    agentB =
        register(admin.post("/agents/registration-codes", Map.of("clientId", b, "name", "b-site")));
    Files.createDirectories(dir.resolve("inside"));
    Files.createSymbolicLink(dir.resolve("to-etc"), Path.of("/etc"));
  }

  private static String register(Res code) {
    assertThat(code.status()).as(code.toString()).isEqualTo(201);
    Res reg = h.api(code.json().get("code").asText()).post("/agents/register", null);
    assertThat(reg.status()).as(reg.toString()).isEqualTo(201);
    return reg.json().get("agentId").asText();
  }

  private static Res local(Api api, String client, String root, String agent) {
    Map<String, String> settings = new HashMap<>();
    settings.put("root", root);
    if (agent != null) {
      settings.put("agentId", agent);
    }
    return api.post(
        "/clients/" + client + "/connections",
        Map.of("name", "c " + UUID.randomUUID(), "kind", "local", "settings", settings));
  }

  private static Map<String, Object> job(String src, String dst, String agent) {
    Map<String, Object> body = new HashMap<>();
    body.put("name", "j " + UUID.randomUUID());
    body.put("source", Map.of("connectionId", src, "path", ""));
    body.put("destination", Map.of("connectionId", dst, "path", ""));
    if (agent != null) {
      body.put("agentId", agent);
    }
    return body;
  }

  /** The escape attempts of the issue, as roots of a local connection. */
  static List<String> escapes() {
    return List.of(
        "/",
        "/etc",
        "/root",
        SERVER_PROC,
        "/proc/self",
        "/sys/kernel",
        "/dev/shm",
        dir + "/inside/../../../etc",
        dir + "/to-etc",
        dir + "/to-etc/apt",
        h.home.toString(),
        h.home.resolve("temporal").toString(),
        ApiHarness.tempRoot().toString()); // allowed, but holds Ferry's home
  }

  @Test
  void aClientTokenCannotCreateAFolderOfTheServerAnywhere() {
    int before = admin.get("/clients/" + a + "/connections").json().get("connections").size();
    List<String> roots = new ArrayList<>(escapes());
    roots.add(dir.resolve("inside").toString()); // even under an allowed root
    List<String> wrong = new ArrayList<>();
    for (String root : roots) {
      Res r = local(tokenA, a, root, null);
      if (r.status() != 403
          || !r.body().contains("FERRY_LOCAL_ROOTS")
          || !r.body().contains("settings.agentId")) {
        wrong.add(root + " → " + r);
      }
    }
    assertThat(wrong).isEmpty();
    // and not for another client either (as if it did not exist), nor with another's agent
    assertThat(local(tokenA, b, dir.resolve("inside").toString(), null).status()).isEqualTo(404);
    Res other = local(tokenA, a, "/", agentB);
    assertThat(other.status()).as(other.toString()).isEqualTo(400);
    assertThat(other.field("settings.agentId")).contains("no agent with this id serves");
    assertThat(admin.get("/clients/" + a + "/connections").json().get("connections").size())
        .isEqualTo(before);
  }

  @Test
  void theOperatorIsHeldToTheRootsJudgedByTheirRealPath() {
    List<String> wrong = new ArrayList<>();
    for (String root : escapes()) {
      Res r = local(admin, a, root, null);
      if (r.status() != 400 || r.field("settings.root") == null) {
        wrong.add(root + " → " + r);
      }
    }
    assertThat(wrong).isEmpty();
    assertThat(local(admin, a, "/etc", null).field("settings.root"))
        .contains("not under a folder the server allows")
        .contains("FERRY_LOCAL_ROOTS=" + ApiHarness.tempRoot());
    assertThat(local(admin, a, SERVER_PROC, null).field("settings.root"))
        .contains("inside /proc, which Ferry never reads or writes");
    assertThat(local(admin, a, dir + "/to-etc", null).field("settings.root"))
        .contains("really '/etc'");
    assertThat(local(admin, a, h.home.toString(), null).field("settings.root"))
        .contains("is Ferry's own home")
        .contains("never reads or writes");
    assertThat(local(admin, a, ApiHarness.tempRoot().toString(), null).field("settings.root"))
        .contains("contains Ferry's own home " + real(h.home));
    // a folder under the root, existing or not, is fine
    assertThat(local(admin, a, dir.resolve("inside").toString(), null).status()).isEqualTo(201);
    assertThat(local(admin, a, dir.resolve("not-yet/there").toString(), null).status())
        .isEqualTo(201);
  }

  @Test
  void aClientTokenUsesLocalFoldersOnlyOnItsOwnAgent() {
    int jobsBefore = jobsOfA();
    // its own machine: the server's roots do not apply there
    Res mine = local(tokenA, a, "/home/share", agentA);
    assertThat(mine.status()).as(mine.toString()).isEqualTo(201);
    Res mine2 = local(tokenA, a, "/srv/out", agentA);
    assertThat(mine2.status()).as(mine2.toString()).isEqualTo(201);
    Res onAgent =
        tokenA.post("/projects/" + projectA + "/jobs", job(mine.id(), mine2.id(), agentA));
    assertThat(onAgent.status()).as(onAgent.toString()).isEqualTo(201);

    // the same folders as a job of the server's worker: refused, naming the agent
    Res onServer = tokenA.post("/projects/" + projectA + "/jobs", job(mine.id(), mine2.id(), null));
    assertThat(onServer.status()).as(onServer.toString()).isEqualTo(400);
    assertThat(onServer.field("source.connectionId"))
        .contains("a folder on the machine of agent " + agentA)
        .contains("only a job on that agent");
    Res onOther =
        tokenA.post("/projects/" + projectA + "/jobs", job(mine.id(), mine2.id(), agentB));
    assertThat(onOther.status()).isEqualTo(400);
    assertThat(onOther.field("agentId")).contains("no agent with this id serves");

    // an operator's folder of the server: a client token may use it on its agent only
    String srvIn = admin.localConnection(a, "srv in " + UUID.randomUUID(), dir.resolve("inside"));
    String srvOut = admin.localConnection(a, "srv out " + UUID.randomUUID(), dir.resolve("o"));
    Res server = tokenA.post("/projects/" + projectA + "/jobs", job(srvIn, srvOut, null));
    assertThat(server.status()).as(server.toString()).isEqualTo(403);
    assertThat(server.json().get("error").asText())
        .contains("only for a job on its client's own agent")
        .contains("FERRY_LOCAL_ROOTS");
    Res agentJob = tokenA.post("/projects/" + projectA + "/jobs", job(srvIn, srvOut, agentA));
    assertThat(agentJob.status()).as(agentJob.toString()).isEqualTo(201);

    // PATCH re-checks: moving the agent job to the server, or changing the folders
    Map<String, Object> none = new HashMap<>();
    none.put("agentId", null);
    Res moved = tokenA.patch("/jobs/" + agentJob.id(), none);
    assertThat(moved.status()).as(moved.toString()).isEqualTo(403);
    assertThat(tokenA.patch("/jobs/" + onAgent.id(), none).status()).isEqualTo(400);
    Res unbind = tokenA.patch("/connections/" + mine.id(), Map.of("settings", Map.of("root", "/")));
    assertThat(unbind.status()).as(unbind.toString()).isEqualTo(403);
    Res rebind =
        tokenA.patch(
            "/connections/" + mine.id(),
            Map.of("settings", Map.of("root", "/", "agentId", agentB)));
    assertThat(rebind.status()).isEqualTo(400);
    assertThat(rebind.field("settings.agentId")).contains("no agent with this id serves");
    Res opConn = tokenA.patch("/connections/" + srvIn, Map.of("name", "renamed"));
    assertThat(opConn.status()).as(opConn.toString()).isEqualTo(403);

    // a project's default destination of the server's disks does not help
    Res project =
        tokenA.post(
            "/clients/" + a + "/projects",
            Map.of(
                "name",
                "p " + UUID.randomUUID(),
                "type",
                "ARCHIVE",
                "defaultDestinationConnectionId",
                srvOut));
    assertThat(project.status()).as(project.toString()).isEqualTo(201);
    Res viaDefault =
        tokenA.post(
            "/projects/" + project.id() + "/jobs",
            Map.of("name", "d", "source", Map.of("connectionId", srvIn, "path", "")));
    assertThat(viaDefault.status()).as(viaDefault.toString()).isEqualTo(403);

    // nothing of the refused ones exists
    assertThat(jobsOfA()).isEqualTo(jobsBefore + 2);
    assertThat(admin.get("/jobs/" + agentJob.id()).json().get("agentId").asText())
        .isEqualTo(agentA);
    assertThat(admin.get("/connections/" + mine.id()).json().at("/settings/agentId").asText())
        .isEqualTo(agentA);
  }

  @Test
  void ownersAndPathsOfAJobOnTheServerStayUnderTheRoots() throws Exception {
    Path base = Files.createDirectories(dir.resolve("owners"));
    Files.createDirectories(base.resolve("src/alice"));
    Files.createSymbolicLink(base.resolve("src/etc"), Path.of("/etc"));
    String src = admin.localConnection(a, "o src " + UUID.randomUUID(), base.resolve("src"));
    String dst = admin.localConnection(a, "o dst " + UUID.randomUUID(), base.resolve("dst"));
    Map<String, Object> viaLink = job(src, dst, null);
    viaLink.put("source", Map.of("connectionId", src, "path", "etc"));
    Res r = admin.post("/projects/" + projectA + "/jobs", viaLink);
    assertThat(r.status()).as(r.toString()).isEqualTo(400);
    assertThat(r.field("source.path")).contains("really '/etc'");
    Map<String, Object> withOwner = job(src, dst, null);
    withOwner.put("owners", List.of(Map.of("sourcePath", "etc")));
    Res o = admin.post("/projects/" + projectA + "/jobs", withOwner);
    assertThat(o.status()).as(o.toString()).isEqualTo(400);
    assertThat(o.field("source.path")).contains("really '/etc'");

    String j = admin.job(projectA, src, dst, Map.of());
    Res put =
        admin.put("/jobs/" + j + "/owners", Map.of("owners", List.of(Map.of("sourcePath", "etc"))));
    assertThat(put.status()).as(put.toString()).isEqualTo(400);
    Res csv = admin.putCsv("/jobs/" + j + "/owners", "source_path\nalice\netc\n");
    assertThat(csv.status()).as(csv.toString()).isEqualTo(400);
    Res ok =
        admin.put(
            "/jobs/" + j + "/owners", Map.of("owners", List.of(Map.of("sourcePath", "alice"))));
    assertThat(ok.status()).as(ok.toString()).isEqualTo(200);
    // a client token changes nothing of a job on the server's disks
    Res client =
        tokenA.put(
            "/jobs/" + j + "/owners", Map.of("owners", List.of(Map.of("sourcePath", "alice"))));
    assertThat(client.status()).as(client.toString()).isEqualTo(403);
    assertThat(tokenA.patch("/jobs/" + j, Map.of("name", "mine now")).status()).isEqualTo(403);
    assertThat(admin.get("/jobs/" + j).json().get("name").asText()).startsWith("job ");
  }

  @Test
  void aRunOfAJobWhoseFolderLeftTheRootsIsRefusedBeforeAnythingStarts() throws Exception {
    // made while its folder was a folder; then it became a link to /etc (or the job predates the
    // rules): the run is refused at its start, and nothing starts
    Path base = Files.createDirectories(dir.resolve("swap"));
    Files.createDirectories(base.resolve("src"));
    Files.writeString(base.resolve("src/f.txt"), "x");
    String src = admin.localConnection(a, "s src " + UUID.randomUUID(), base.resolve("src"));
    String dst = admin.localConnection(a, "s dst " + UUID.randomUUID(), base.resolve("dst"));
    String j = admin.job(projectA, src, dst, Map.of());
    Files.delete(base.resolve("src/f.txt"));
    Files.delete(base.resolve("src"));
    Files.createSymbolicLink(base.resolve("src"), Path.of("/etc"));
    for (Api who : List.of(admin, tokenA)) {
      Res run = who.post("/jobs/" + j + "/runs", Map.of("mode", "DRY_RUN"));
      assertThat(run.status()).as(run.toString()).isEqualTo(403);
      assertThat(run.json().get("error").asText())
          .contains("the job cannot run")
          .contains("really '/etc'")
          .contains("Nothing was started");
    }
    assertThat(admin.get("/jobs/" + j + "/runs").json().get("runs")).isEmpty();
    assertThat(base.resolve("dst")).doesNotExist();
  }

  @Test
  void aPatchOfAConnectionReChecksEveryJobThatUsesIt() throws Exception {
    Path base = Files.createDirectories(dir.resolve("patch"));
    Files.createDirectories(base.resolve("src"));
    Files.writeString(base.resolve("src/f.txt"), "data");
    String src = admin.localConnection(a, "p src " + UUID.randomUUID(), base.resolve("src"));
    String dst = admin.localConnection(a, "p dst " + UUID.randomUUID(), base.resolve("dst"));
    String j = admin.job(projectA, src, dst, Map.of());
    Map<String, String> wrong = new LinkedHashMap<>();
    wrong.put(base.resolve("src/inside").toString(), "is inside the source");
    wrong.put(base.toString(), "contains the source");
    wrong.put(base.resolve("src").toString(), "is the same location as the source");
    wrong.put(base.resolve("link-to-src").toString(), "is the same location as the source");
    Files.createSymbolicLink(base.resolve("link-to-src"), base.resolve("src"));
    wrong.put("/etc", "not under a folder the server allows");
    wrong.put(dir + "/to-etc", "really '/etc'");
    wrong.forEach(
        (root, why) -> {
          Res r = admin.patch("/connections/" + dst, Map.of("settings", Map.of("root", root)));
          assertThat(r.status()).as(root + ": " + r).isEqualTo(400);
          assertThat(r.body()).as(root).contains(why);
        });
    assertThat(admin.get("/connections/" + dst).json().at("/settings/root").asText())
        .isEqualTo(base.resolve("dst").toString());

    // a job's PATCH moving its destination into its source is refused the same way
    Res into =
        admin.patch(
            "/jobs/" + j, Map.of("destination", Map.of("connectionId", src, "path", "copy")));
    assertThat(into.status()).as(into.toString()).isEqualTo(400);
    assertThat(into.field("destination")).contains("is inside the source");

    // once the job has run, its connection's folder cannot move (the next FULL run would copy
    // the destination into itself, or somewhere its manifest does not describe)
    admin.run(j, "FULL");
    admin.awaitEnd(j);
    assertThat(base.resolve("dst/f.txt")).hasContent("data");
    Res after =
        admin.patch(
            "/connections/" + dst,
            Map.of("settings", Map.of("root", base.resolve("elsewhere").toString())));
    assertThat(after.status()).as(after.toString()).isEqualTo(409);
    assertThat(after.json().get("error").asText()).contains("which has run").contains("root");
    Res srcMoved =
        admin.patch(
            "/connections/" + src,
            Map.of("settings", Map.of("root", base.resolve("dst").toString())));
    assertThat(srcMoved.status()).as(srcMoved.toString()).isEqualTo(409);
    Res jobMoved =
        admin.patch("/jobs/" + j, Map.of("destination", Map.of("connectionId", dst, "path", "x")));
    assertThat(jobMoved.status()).as(jobMoved.toString()).isEqualTo(409);
    // nor to another machine: its local folders would be that machine's
    Res toAgent = admin.patch("/jobs/" + j, Map.of("agentId", agentA));
    assertThat(toAgent.status()).as(toAgent.toString()).isEqualTo(409);
    assertThat(toAgent.json().get("error").asText()).contains("agentId cannot change");
    assertThat(admin.get("/jobs/" + j).json().get("agentId").isNull()).isTrue();
    // what does not move it still changes
    Res renamed =
        admin.patch("/connections/" + dst, Map.of("name", "renamed " + UUID.randomUUID()));
    assertThat(renamed.status()).as(renamed.toString()).isEqualTo(200);
    assertThat(admin.get("/connections/" + dst).json().at("/settings/root").asText())
        .isEqualTo(base.resolve("dst").toString());
  }

  @Test
  void aClientTokensSftpConnectionCannotMakeTheServerReadItsOwnFiles() {
    Res keyed =
        tokenA.post(
            "/clients/" + a + "/connections",
            Map.of(
                "name",
                "k " + UUID.randomUUID(),
                "kind",
                "sftp",
                "settings",
                Map.of(
                    "host",
                    "sftp.example",
                    "user",
                    "u",
                    "root",
                    "/in",
                    "keyFile",
                    h.home.resolve("master.key").toString())));
    assertThat(keyed.status()).as(keyed.toString()).isEqualTo(201); // maybe for its agent
    Res plain =
        tokenA.post(
            "/clients/" + a + "/connections",
            Map.of(
                "name",
                "p " + UUID.randomUUID(),
                "kind",
                "sftp",
                "settings",
                Map.of("host", "sftp.example", "user", "u", "root", "/out"),
                "secret",
                Map.of("password", "pw")));
    assertThat(plain.status()).as(plain.toString()).isEqualTo(201);
    Res onServer =
        tokenA.post("/projects/" + projectA + "/jobs", job(keyed.id(), plain.id(), null));
    assertThat(onServer.status()).as(onServer.toString()).isEqualTo(403);
    assertThat(onServer.json().get("error").asText()).contains("keyFile").contains("agentId");
    Res onAgent =
        tokenA.post("/projects/" + projectA + "/jobs", job(keyed.id(), plain.id(), agentA));
    assertThat(onAgent.status()).as(onAgent.toString()).isEqualTo(201);
    Res server = tokenA.post("/projects/" + projectA + "/jobs", job(plain.id(), keyed.id(), null));
    assertThat(server.status()).isEqualTo(403);
    // nor by adding a key file to a connection a job of the server uses
    Res plainJob =
        tokenA.post("/projects/" + projectA + "/jobs", job(plain.id(), keyed.id(), agentA));
    assertThat(plainJob.status()).isEqualTo(201);
    Res other =
        tokenA.post(
            "/clients/" + a + "/connections",
            Map.of(
                "name",
                "o " + UUID.randomUUID(),
                "kind",
                "sftp",
                "settings",
                Map.of("host", "sftp.example", "user", "u", "root", "/o"),
                "secret",
                Map.of("password", "pw")));
    String serverJob =
        tokenA.post("/projects/" + projectA + "/jobs", job(plain.id(), other.id(), null)).id();
    Res addKey =
        tokenA.patch(
            "/connections/" + other.id(),
            Map.of(
                "settings",
                Map.of(
                    "host", "sftp.example", "user", "u", "root", "/o", "knownHosts", "/etc/shadow"),
                "secret",
                Map.of("password", "pw")));
    assertThat(addKey.status()).as(addKey.toString()).isEqualTo(403);
    assertThat(
            admin
                .get("/connections/" + other.id())
                .json()
                .at("/settings/knownHosts")
                .isMissingNode())
        .isTrue();
    assertThat(admin.get("/jobs/" + serverJob).status()).isEqualTo(200);
  }

  private static int jobsOfA() {
    return admin.get("/jobs?clientId=" + a + "&limit=500").json().get("jobs").size();
  }

  static String real(Path p) {
    try {
      return p.toRealPath().toString();
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }
}
