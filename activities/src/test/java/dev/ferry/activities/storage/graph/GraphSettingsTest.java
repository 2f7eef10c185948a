package dev.ferry.activities.storage.graph;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ferry.activities.storage.Locations;
import java.net.URI;
import java.util.Map;
import org.junit.jupiter.api.Test;

class GraphSettingsTest {
  private static final Map<String, String> ENV =
      Map.of(GraphSettings.CLIENT_ID, "app", GraphSettings.CLIENT_SECRET, "s3cret-value");

  @Test
  void oneDriveLocationsNameTheUserAndDefaultTheTenantToTheirDomain() {
    GraphSettings s =
        GraphSettings.fromUri(URI.create("onedrive://Alice@Contoso.com/Backups/2024/"), ENV);
    assertThat(s.user()).isEqualTo("alice@contoso.com");
    assertThat(s.tenant()).isEqualTo("contoso.com");
    assertThat(s.root()).isEqualTo("Backups/2024");
    assertThat(s.endpoint()).isEqualTo(GraphSettings.DEFAULT_ENDPOINT);
    assertThat(s.toString()).doesNotContain("s3cret-value");
    assertThat(Locations.canonical("onedrive://Alice@Contoso.com/Backups/2024/"))
        .isEqualTo("onedrive://alice@contoso.com/Backups/2024");
  }

  @Test
  void sharePointLocationsNameHostSiteAndLibrary() {
    Map<String, String> env = new java.util.HashMap<>(ENV);
    env.put(GraphSettings.TENANT_ID, "tid");
    GraphSettings s =
        GraphSettings.fromUri(
            URI.create("sharepoint://contoso.sharepoint.com/marketing/Shared%20Assets/q1/plans"),
            env);
    assertThat(s.host()).isEqualTo("contoso.sharepoint.com");
    assertThat(s.site()).isEqualTo("marketing");
    assertThat(s.library()).isEqualTo("Shared Assets");
    assertThat(s.root()).isEqualTo("q1/plans");
    assertThat(Locations.canonical("sharepoint://contoso.sharepoint.com/marketing/Shared Assets"))
        .isEqualTo("sharepoint://contoso.sharepoint.com/marketing/Shared%20Assets");
  }

  @Test
  void refusesIncompleteLocationsAndMissingSettingsNamingWhatToDo() {
    assertThatThrownBy(() -> Locations.canonical("sharepoint://contoso.sharepoint.com/marketing"))
        .hasMessageContaining("sharepoint://hostname/site/library");
    assertThatThrownBy(() -> Locations.canonical("onedrive://contoso.com/x"))
        .hasMessageContaining("onedrive://user@domain/path");
    assertThatThrownBy(
            () ->
                GraphSettings.fromUri(
                    URI.create("sharepoint://contoso.sharepoint.com/m/Documents"), ENV))
        .hasMessageContaining(GraphSettings.TENANT_ID);
    assertThatThrownBy(() -> GraphSettings.fromUri(URI.create("onedrive://a@b.com/x"), Map.of()))
        .hasMessageContaining(GraphSettings.CLIENT_ID)
        .hasMessageContaining(GraphSettings.CLIENT_SECRET);
  }
}
