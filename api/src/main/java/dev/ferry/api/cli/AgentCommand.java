package dev.ferry.api.cli;

import dev.ferry.activities.catalog.Database;
import dev.ferry.api.agent.AgentIdentity;
import dev.ferry.api.agent.AgentWorker;
import dev.ferry.api.runtime.FerryHome;
import java.io.IOException;
import java.nio.file.Files;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code ferry agent --register CODE --server URL}: becomes an agent of a Ferry server and runs the
 * data-moving activities of the jobs assigned to it; {@code ferry agent} runs again with the
 * identity stored at registration.
 */
@Command(
    name = "agent",
    mixinStandardHelpOptions = true,
    header = "Run an agent: a worker at a client's site for the jobs assigned to it.",
    description = {
      "Runs a Ferry agent: an activity worker on this machine for the jobs assigned to it.",
      "First time: ferry agent --register CODE --server http://ferry-server:8080",
      "(the code comes from POST /api/v1/agents/registration-codes, valid 24 hours, usable once).",
      "Later: ferry agent (the identity is kept in FERRY_HOME/agent.json)."
    },
    footer = {
      "",
      "The agent needs Temporal and the server's PostgreSQL (addresses come with the registration;",
      "TEMPORAL_ADDRESS, FERRY_DB_URL, FERRY_DB_USER and FERRY_DB_PASSWORD override them)."
    })
public final class AgentCommand implements Callable<Integer> {
  @Option(names = "--register", paramLabel = "CODE", description = "A registration code.")
  String code;

  @Option(names = "--server", paramLabel = "URL", description = "The Ferry server's URL.")
  String server;

  @Override
  public Integer call() {
    FerryHome home = FerryHome.fromEnv(Ferry.env());
    AgentIdentity id;
    try {
      if (code != null) {
        if (server == null) {
          Ferry.err().println("ferry agent: --register needs --server URL (the Ferry server)");
          return Ferry.EXIT_USAGE;
        }
        id = AgentWorker.register(server, code, home);
        Ferry.out().println("Registered as agent '" + id.name() + "' (" + id.agentId() + ").");
      } else {
        if (!Files.exists(AgentIdentity.file(home.dir()))) {
          Ferry.err()
              .println(
                  "ferry agent: not registered yet; run: ferry agent --register CODE --server URL");
          return Ferry.EXIT_USAGE;
        }
        id = AgentIdentity.load(home.dir());
      }
    } catch (AgentWorker.RegistrationFailed e) {
      Ferry.err().println("ferry agent: " + e.getMessage());
      return Ferry.EXIT_ENVIRONMENT;
    } catch (IOException e) {
      Ferry.err().println("ferry agent: " + e.getMessage());
      return Ferry.EXIT_ENVIRONMENT;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return Ferry.EXIT_CANCELLED;
    }
    AgentWorker worker;
    try {
      worker = AgentWorker.start(id, Ferry.env(), home);
    } catch (Database.Unreachable | IllegalStateException e) {
      Ferry.err().println("ferry agent: " + e.getMessage());
      return Ferry.EXIT_ENVIRONMENT;
    }
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  worker.close();
                  stopped.countDown();
                },
                "ferry-agent-stop"));
    Ferry.out()
        .println(
            "Ferry agent '"
                + id.name()
                + "' serving task queue "
                + id.taskQueue()
                + " on "
                + worker.temporal().describe()
                + "; heartbeats to "
                + id.server()
                + " (pid "
                + ProcessHandle.current().pid()
                + ")");
    Ferry.out().println("Press Ctrl-C to stop.");
    try {
      stopped.await();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    return Ferry.EXIT_OK;
  }
}
