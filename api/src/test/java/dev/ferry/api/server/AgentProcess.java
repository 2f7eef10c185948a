package dev.ferry.api.server;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A {@code ferry} command as a real second process (the test's class path), its output appended to
 * {@code home/agent.log}; for agents started, killed and started again by tests.
 */
final class AgentProcess {
  private AgentProcess() {}

  static Process start(ApiHarness h, Path home, String... args) throws Exception {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    List<String> cmd = new ArrayList<>(List.of(java));
    cmd.addAll(
        List.of("--enable-native-access=ALL-UNNAMED", "--sun-misc-unsafe-memory-access=allow"));
    cmd.addAll(List.of("-cp", System.getProperty("java.class.path")));
    cmd.add("dev.ferry.api.cli.Ferry");
    cmd.addAll(List.of(args));
    Files.createDirectories(home);
    ProcessBuilder pb =
        new ProcessBuilder(cmd)
            .redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.appendTo(home.resolve("agent.log").toFile()));
    Map<String, String> env = pb.environment();
    env.put("FERRY_HOME", home.toString());
    env.put("FERRY_DB_PASSWORD", h.db.config().password());
    env.remove("FERRY_DB_URL");
    env.remove("TEMPORAL_ADDRESS");
    env.remove("FERRY_CA_FILE");
    return pb.start();
  }

  static String log(Path home) {
    return ApiAgentTest.read(home.resolve("agent.log"));
  }
}
