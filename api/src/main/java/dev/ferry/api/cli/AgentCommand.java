package dev.ferry.api.cli;

import dev.ferry.api.agent.AgentHttp;
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
      "Runs a Ferry agent: an activity worker on this machine for the jobs assigned",
      "to it. First time:",
      "  ferry agent --register CODE --server https://ferry-server:8443",
      "(the code comes from POST /api/v1/agents/registration-codes, valid 24 hours,",
      "usable once).",
      "Later: ferry agent (the identity is kept in FERRY_HOME/agent.json)."
    },
    footer = {
      "",
      "The agent needs the Ferry server and Temporal (the address comes with the",
      "registration; TEMPORAL_ADDRESS overrides it). It holds no database login: the",
      "catalog is reached through the server's data-plane API with the agent's own",
      "token; FERRY_DB_* is ignored. Temporal over TLS: TEMPORAL_TLS_CERT,",
      "TEMPORAL_TLS_KEY, TEMPORAL_TLS_CA, TEMPORAL_API_KEY. The server's certificate",
      "is verified (FERRY_CA_FILE for a private CA); plain http is refused except to",
      "this machine (FERRY_ALLOW_HTTP=true to allow it)."
    })
public final class AgentCommand implements Callable<Integer> {
  @Option(names = "--register", paramLabel = "CODE", description = "A registration code.")
  String code;

  @Option(names = "--server", paramLabel = "URL", description = "The Ferry server's URL.")
  String server;

  @Option(
      names = "--ca-file",
      paramLabel = "PEM",
      description =
          "The CA certificate(s) that signed the server's certificate, for a private CA (also"
              + " FERRY_CA_FILE); kept in FERRY_HOME at registration.")
  java.nio.file.Path caFile;

  @Option(
      names = "--allow-http",
      description =
          "Allow plain http to a server on another machine (FERRY_ALLOW_HTTP=true); unencrypted.")
  boolean allowHttp;

  @picocli.CommandLine.Mixin MetricsListen metrics = new MetricsListen();

  @Override
  public Integer call() {
    FerryHome home = FerryHome.fromEnv(Ferry.env());
    java.util.Map<String, String> env = new java.util.HashMap<>(Ferry.env());
    if (caFile != null) {
      if (!Files.isReadable(caFile)) {
        Ferry.err().println("ferry agent: --ca-file " + caFile + ": no such readable file");
        return Ferry.EXIT_USAGE;
      }
      env.put(AgentHttp.CA_FILE, caFile.toAbsolutePath().toString());
    }
    if (allowHttp) {
      env.put(AgentHttp.ALLOW_HTTP, "true");
    }
    AgentIdentity id;
    try {
      if (code != null) {
        if (server == null) {
          Ferry.err().println("ferry agent: --register needs --server URL (the Ferry server)");
          return Ferry.EXIT_USAGE;
        }
        id = AgentWorker.register(server, code, home, env);
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
      metrics.start();
      worker = AgentWorker.start(id, env, home);
    } catch (IllegalStateException | IllegalArgumentException e) {
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
    worker
        .revoked()
        .thenAccept(
            why -> {
              Ferry.err().println("ferry agent: " + why);
              stopped.countDown();
            });
    try {
      stopped.await();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    return worker.revoked().isDone() ? Ferry.EXIT_ENVIRONMENT : Ferry.EXIT_OK;
  }
}
