package dev.ferry.activities.catalog;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ferry.activities.db.PgServer;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

class PostgresqlConnectionKindTest {
  private final ConnectionKinds kinds = ConnectionKinds.defaults();

  private Map<String, String> problems(Map<String, String> settings) {
    return kinds.validate("postgresql", settings, Map.of());
  }

  @Test
  void hostsArePlainNamesOrAddressesAndThePortHasItsOwnSetting() {
    assertThat(problems(Map.of("host", "db.example.com", "user", "postgres"))).isEmpty();
    assertThat(problems(Map.of("host", "10.0.0.5", "user", "u", "port", "5433"))).isEmpty();
    assertThat(problems(Map.of("host", "::1", "user", "u"))).isEmpty();
    assertThat(problems(Map.of("host", "[fd00::5]", "user", "u", "sslmode", "verify-full")))
        .isEmpty();
    for (String bad : new String[] {"db.example.com:5432", "postgres://db/x", "a b", "db/x"}) {
      assertThat(problems(Map.of("host", bad, "user", "u")))
          .as(bad)
          .containsKey("settings.host")
          .extractingByKey("settings.host")
          .asString()
          .contains("the port goes in settings.port");
    }
    assertThat(problems(Map.of("host", "h", "user", "u", "port", "0")))
        .containsEntry("settings.port", "must be a port number 1-65535 (got '0')");
  }

  @Test
  void aResolvedConnectionNamesItsServer() {
    UUID id = UUID.randomUUID();
    PgServer s =
        PostgresqlConnectionKind.server(
            new ResolvedConnection(
                id, "postgresql", Map.of("host", " [fd00::5] ", "user", "app"), Map.of()));
    assertThat(s).isEqualTo(new PgServer("fd00::5", 5432, "app", null, null));
    assertThat(s.address()).isEqualTo("[fd00::5]:5432");
    PgServer p =
        PostgresqlConnectionKind.server(
            new ResolvedConnection(
                id,
                "postgresql",
                Map.of("host", "db", "user", "app", "port", "6432", "sslmode", "require"),
                Map.of("password", "pw")));
    assertThat(p).isEqualTo(new PgServer("db", 6432, "app", "pw", "require"));
    assertThat(p.toString()).doesNotContain("pw").contains("app@db:6432");
    assertThatThrownBy(
            () ->
                PostgresqlConnectionKind.server(
                    new ResolvedConnection(id, "sftp", Map.of("host", "db"), Map.of())))
        .hasMessageContaining("is of kind 'sftp', not a postgresql server");
    assertThat(kinds.find("postgresql").orElseThrow().files()).isFalse();
    assertThat(kinds.find("s3").orElseThrow().files()).isTrue();
  }
}
