package dev.ferry.api.agent;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;
import java.util.UUID;

/**
 * Who an agent is, as its registration told it: stored in {@code <FERRY_HOME>/agent.json} with
 * permissions 0600 (it holds the agent's token and key), so {@code ferry agent} runs again without
 * a new code.
 *
 * <p>It holds no database login: the agent reaches the catalog only through the server's data-plane
 * API, with its token. An identity file written before that (with {@code databaseUrl} and {@code
 * databaseUser}) still loads; those fields are ignored.
 *
 * @param server the Ferry server's base URL (e.g. {@code http://ferry.example:8080})
 * @param token the agent's bearer token (heartbeats, the data-plane API); revocable
 * @param agentKey base64 key that opens the connection secrets shared with this agent
 */
@JsonIgnoreProperties({"databaseUrl", "databaseUser"})
public record AgentIdentity(
    String server,
    UUID agentId,
    String name,
    String token,
    String agentKey,
    String taskQueue,
    String temporalAddress,
    String temporalNamespace) {

  static final ObjectMapper JSON =
      new ObjectMapper().enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

  public static Path file(Path home) {
    return home.resolve("agent.json");
  }

  public void save(Path home) throws IOException {
    Files.createDirectories(home);
    Path tmp =
        Files.createTempFile(
            home,
            ".agent-",
            ".tmp",
            PosixFilePermissions.asFileAttribute(
                Set.of(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE)));
    JSON.writerWithDefaultPrettyPrinter().writeValue(tmp.toFile(), this);
    Files.move(
        tmp, file(home), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
  }

  public static AgentIdentity load(Path home) throws IOException {
    return JSON.readValue(file(home).toFile(), AgentIdentity.class);
  }

  @Override
  public String toString() {
    return "AgentIdentity[" + agentId + " " + name + " at " + server + "]";
  }
}
