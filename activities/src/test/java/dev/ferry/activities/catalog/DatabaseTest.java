package dev.ferry.activities.catalog;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.activities.testing.TestDatabase;
import org.junit.jupiter.api.Test;
import org.postgresql.ds.PGSimpleDataSource;

class DatabaseTest {
  @Test
  void loopbackUrlsAreRecognised() {
    assertThat(Database.onLoopback("jdbc:postgresql://127.0.0.1:5432/ferry")).isTrue();
    assertThat(Database.onLoopback("jdbc:postgresql://localhost/ferry")).isTrue();
    assertThat(Database.onLoopback("jdbc:postgresql://[::1]:5432/ferry")).isTrue();
    assertThat(Database.onLoopback("jdbc:postgresql:///ferry")).isTrue();
    assertThat(Database.onLoopback("jdbc:postgresql://db.example.com:5432/ferry")).isFalse();
    assertThat(Database.onLoopback("jdbc:postgresql://10.0.0.7/ferry")).isFalse();
  }

  @Test
  void aConnectionToThisMachineIsNotEncryptedUnlessTheUrlAsks() {
    PGSimpleDataSource local =
        (PGSimpleDataSource)
            Database.dataSource(new DbConfig("jdbc:postgresql://127.0.0.1:5432/ferry", "u", ""));
    assertThat(local.getSslMode()).isEqualTo("disable");
    PGSimpleDataSource asked =
        (PGSimpleDataSource)
            Database.dataSource(
                new DbConfig("jdbc:postgresql://127.0.0.1:5432/ferry?sslmode=require", "u", ""));
    assertThat(asked.getSslMode()).isEqualTo("require");
    PGSimpleDataSource remote =
        (PGSimpleDataSource)
            Database.dataSource(new DbConfig("jdbc:postgresql://db.example.com/ferry", "u", ""));
    assertThat(remote.getSslMode()).isNotEqualTo("disable");
  }

  @Test
  void theCatalogSessionOnThisMachineReallyIsUnencrypted() throws Exception {
    try (TestDatabase db = new TestDatabase()) {
      boolean ssl =
          db.catalog()
              .jdbi()
              .withHandle(
                  h ->
                      h.createQuery("select ssl from pg_stat_ssl where pid = pg_backend_pid()")
                          .mapTo(Boolean.class)
                          .one());
      assertThat(ssl).isFalse();
    }
  }
}
