package dev.ferry.api.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A bounded schemathesis pass (every check, as {@code --checks all}; examples, coverage, fuzzing
 * and stateful phases; see src/test/resources/schemathesis.toml) against the served {@code
 * /api/v1/openapi.json} of a real {@code ferry server} with an operator token: no 5xx, no response
 * outside the document, no request the document forbids accepted, 405 with {@code Allow} for
 * undeclared methods. scripts/setup --test installs schemathesis into .tools/schemathesis (pinned
 * by tools/schemathesis/requirements.txt); the test fails when it is missing, and prints
 * schemathesis's report when anything fails.
 *
 * <p>{@code -Dferry.schemathesis.examples=N} (default 25 per operation) and {@code
 * -Dferry.schemathesis.seed=S} (default fixed, so a failure reproduces) tune the pass.
 */
class SchemathesisTest {
  @Test
  @Timeout(value = 8, unit = TimeUnit.MINUTES) // the suite's default is 5; this pass takes 1-2
  void theApiKeepsTheContractOfItsOpenApiDocumentUnderFuzzing()
      throws IOException, InterruptedException {
    Path bin = schemathesis();
    ApiHarness h = ApiHarness.get();
    Path base = Path.of("src/test/resources/schemathesis.toml").toAbsolutePath();
    assertThat(base).isRegularFile();
    Path work = Files.createTempDirectory("ferry-schemathesis-");
    Path config = work.resolve("schemathesis.toml");
    Files.writeString(config, Files.readString(base) + fixture(h, work));
    Path output = work.resolve("output.txt");
    List<String> cmd = new ArrayList<>();
    cmd.add(bin.toString());
    cmd.addAll(List.of("--config-file", config.toString(), "--no-color", "run"));
    cmd.add(h.base() + "/openapi.json");
    // every check, as --checks all: the config file lists them (see there why not on this line)
    cmd.addAll(List.of("--header", "Authorization: Bearer " + h.adminToken));
    cmd.addAll(List.of("--max-examples", System.getProperty("ferry.schemathesis.examples", "25")));
    cmd.addAll(List.of("--seed", System.getProperty("ferry.schemathesis.seed", "13")));
    // One worker: the order of requests follows the seed, and Hypothesis's lambda-source cache
    // once failed with "AST constructor recursion depth mismatch" under four (a runtime error)
    cmd.addAll(List.of("--workers", "1", "--request-timeout", "30"));
    cmd.addAll(List.of("--generation-database", "none"));
    cmd.addAll(List.of("--report", "junit", "--report-dir", work.resolve("report").toString()));
    ProcessBuilder pb = new ProcessBuilder(cmd).directory(work.toFile()).redirectErrorStream(true);
    pb.redirectOutput(output.toFile());
    pb.environment().put("SCHEMATHESIS_TELEMETRY", "false");
    Process p = pb.start();
    boolean ended = p.waitFor(7, TimeUnit.MINUTES);
    if (!ended) {
      p.destroyForcibly();
    }
    String report = Files.readString(output, StandardCharsets.UTF_8);
    System.out.println(report);
    assertThat(ended).as("schemathesis ended within 7 minutes:\n" + report).isTrue();
    Matcher selected = Pattern.compile("Selected: (\\d+)/(\\d+)").matcher(report);
    Matcher tested = Pattern.compile("Tested: (\\d+)").matcher(report);
    assertThat(selected.find() && tested.find()).as("a summary in:\n" + report).isTrue();
    assertThat(tested.group(1)).as("every operation tested").isEqualTo(selected.group(2));
    assertThat(Integer.parseInt(selected.group(2))).isGreaterThan(30);
    assertThat(p.exitValue())
        .as("schemathesis found failures (reproduce with the curl lines):\n" + report)
        .isZero();
  }

  /**
   * Real resources for the fuzzer to reach past the 404s: a client with a project, two local
   * connections (a source with two files, a destination), a job between them with a finished run,
   * an agent (whose own token sends the heartbeats), and, for the DELETE operations only, a job and
   * a connection that may go. Path parameters, query filters and the ids in bodies name them about
   * half the time (schemathesis dictionaries); generated values the rest of the time.
   */
  static String fixture(ApiHarness h, Path work) throws IOException {
    ApiHarness.Api api = h.admin;
    Path src = Files.createDirectories(work.resolve("data/src/sub"));
    Files.writeString(src.resolve("b.txt"), "world");
    Files.writeString(src.getParent().resolve("a.txt"), "hello");
    String client = api.client("fuzzing fixture " + UUID.randomUUID());
    String project = api.project(client, "fixture");
    String from = api.localConnection(client, "fixture source", src.getParent());
    String to = api.localConnection(client, "fixture destination", work.resolve("data/dst"));
    String doomedConnection = api.localConnection(client, "may go", work.resolve("data/other"));
    String job = api.job(project, from, to, Map.of());
    String doomedJob = api.job(project, from, to, Map.of());
    long run = api.run(job, "FULL");
    api.awaitEnd(job);
    String code =
        api.post("/agents/registration-codes", Map.of("clientId", client, "name", "fixture agent"))
            .json()
            .get("code")
            .asText();
    JsonNode agent =
        h.api(code).post("/agents/register", Map.of("hostname", "fuzz", "version", "1")).json();
    return """

        # Written by SchemathesisTest: the fixture's ids.
        [dictionaries.clients]
        values = ["%s"]
        [dictionaries.projects]
        values = ["%s"]
        [dictionaries.connections]
        values = ["%s", "%s"]
        [dictionaries.jobs]
        values = ["%s"]
        [dictionaries.runs]
        values = [%d]
        [dictionaries.doomedConnections]
        values = ["%s"]
        [dictionaries.doomedJobs]
        values = ["%s"]
        [dictionaries.agents]
        values = ["%s"]

        [parameters]
        "path.clientId" = { dictionary = "clients", probability = 0.6 }
        "path.projectId" = { dictionary = "projects", probability = 0.6 }
        "path.connectionId" = { dictionary = "connections", probability = 0.6 }
        "path.jobId" = { dictionary = "jobs", probability = 0.6 }
        "path.runId" = { dictionary = "runs", probability = 0.6 }
        "path.agentId" = { dictionary = "agents", probability = 0.6 }
        "query.clientId" = { dictionary = "clients", probability = 0.5 }
        "query.projectId" = { dictionary = "projects", probability = 0.5 }
        "body.clientId" = { dictionary = "clients", probability = 0.5 }
        "body.defaultDestinationConnectionId" = { dictionary = "connections", probability = 0.5 }
        "body.source.connectionId" = { dictionary = "connections", probability = 0.6 }
        "body.destination.connectionId" = { dictionary = "connections", probability = 0.6 }

        [[operations]]
        include-operation-id = "deleteJob"
        parameters = { "path.jobId" = { dictionary = "doomedJobs", probability = 0.6 } }

        [[operations]]
        include-operation-id = "deleteConnection"
        parameters = { "path.connectionId" = { dictionary = "doomedConnections", probability = 0.6 } }

        # Only the agent itself sends its heartbeat, with its own token.
        [[operations]]
        include-operation-id = "agentHeartbeat"
        headers = { Authorization = "Bearer %s" }

        # The data plane takes an agent's own token only (the fixture agent has no jobs: 404s).
        [[operations]]
        include-tag = "agent-data-plane"
        headers = { Authorization = "Bearer %s" }
        """
        .formatted(
            client,
            project,
            from,
            to,
            job,
            run,
            doomedConnection,
            doomedJob,
            agent.get("agentId").asText(),
            agent.get("token").asText(),
            agent.get("token").asText());
  }

  /** The schemathesis that scripts/setup --test installs; the test needs it, as CI does. */
  static Path schemathesis() {
    Path root = Path.of(System.getProperty("user.dir")).getParent();
    Path bin = root.resolve(".tools/schemathesis/bin/schemathesis");
    assertThat(bin)
        .as(
            "schemathesis (run scripts/setup --test, which installs it into .tools/schemathesis"
                + " from tools/schemathesis/requirements.txt)")
        .isExecutable();
    return bin;
  }
}
