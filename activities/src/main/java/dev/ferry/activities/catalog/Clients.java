package dev.ferry.activities.catalog;

import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.jdbi.v3.sqlobject.config.RegisterConstructorMapper;
import org.jdbi.v3.sqlobject.customizer.Bind;
import org.jdbi.v3.sqlobject.customizer.BindMethods;
import org.jdbi.v3.sqlobject.statement.SqlQuery;
import org.jdbi.v3.sqlobject.statement.SqlUpdate;

/** Clients in the catalog. Obtain with {@code jdbi.onDemand(Clients.class)}; thread-safe. */
@RegisterConstructorMapper(ClientRow.class)
public interface Clients {
  String COLUMNS =
      "id, name, contact_name, contact_email, psa_company_id, status, created_at, updated_at";

  @SqlUpdate(
      """
      insert into clients(id, name, contact_name, contact_email, psa_company_id, status)
      values (:id, :name, :contactName, :contactEmail, :psaCompanyId, :status)""")
  void insert(@BindMethods ClientRow row);

  @SqlUpdate(
      """
      update clients set name = :name, contact_name = :contactName, contact_email = :contactEmail,
        psa_company_id = :psaCompanyId, status = :status, updated_at = now()
      where id = :id""")
  void update(@BindMethods ClientRow row);

  @SqlQuery("select " + COLUMNS + " from clients where id = :id")
  Optional<ClientRow> find(@Bind("id") UUID id);

  @SqlQuery("select " + COLUMNS + " from clients where lower(name) = lower(:name)")
  Optional<ClientRow> findByName(@Bind("name") String name);

  @SqlQuery("select " + COLUMNS + " from clients order by lower(name)")
  List<ClientRow> list();
}
