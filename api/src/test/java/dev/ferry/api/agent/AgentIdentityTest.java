package dev.ferry.api.agent;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** An agent's identity file, the current one and one written before agents lost the database. */
class AgentIdentityTest {
  @TempDir Path home;

  @Test
  void anIdentityFromBeforeTheDataPlaneStillLoadsWithoutItsDatabaseFields() throws Exception {
    UUID id = UUID.randomUUID();
    Files.writeString(
        AgentIdentity.file(home),
        """
        {"server":"http://ferry:8080","agentId":"%s","name":"site-1","token":"fy_x","agentKey":"a2V5",
         "taskQueue":"agent-%s","temporalAddress":"ferry:7233","temporalNamespace":"default",
         "databaseUrl":"jdbc:postgresql://ferry:5432/ferry","databaseUser":"ferry"}"""
            .formatted(id, id));
    AgentIdentity a = AgentIdentity.load(home);
    assertThat(a.agentId()).isEqualTo(id);
    assertThat(a.taskQueue()).isEqualTo("agent-" + id);
    assertThat(a.temporalAddress()).isEqualTo("ferry:7233");

    a.save(home); // written again, it no longer names a database
    assertThat(Files.readString(AgentIdentity.file(home))).doesNotContain("database");
    assertThat(AgentIdentity.load(home)).isEqualTo(a);
  }
}
