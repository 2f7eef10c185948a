package dev.ferry.activities.storage.upload;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class SavedUploadTest {
  @Test
  void roundTripsWithAndWithoutTheStoresHandle() {
    var s3 = new SavedUpload("s3-multipart", 123, 456, 5 << 20, "id with/odd=chars");
    assertThat(SavedUpload.parse(s3.format())).isEqualTo(s3);
    var azure = new SavedUpload("azure-blocks", 123, -1, 4096, null);
    assertThat(azure.format()).isEqualTo("azure-blocks size=123 mtime=-1 part=4096");
    assertThat(SavedUpload.parse(azure.format())).isEqualTo(azure);
  }

  /** Rows users' catalogs hold from before the driver are read as they were meant. */
  @Test
  void readsTheRecordsConnectorsSavedBeforeTheDriver() {
    // S3's and Azure's were already this form
    assertThat(SavedUpload.parse("s3-multipart size=10 mtime=20 part=5242880 upload=abc.DEF-1"))
        .isEqualTo(new SavedUpload("s3-multipart", 10, 20, 5242880, "abc.DEF-1"));
    assertThat(SavedUpload.parse("azure-blocks size=10 mtime=20 part=4"))
        .isEqualTo(new SavedUpload("azure-blocks", 10, 20, 4, null));
    // Graph's: graph-v1 SIZE MTIME FRAGMENT URL (the URL may hold anything but a line break)
    assertThat(SavedUpload.parse("graph-v1 700000 1600000000000 327680 https://up/x?a=1 b"))
        .isEqualTo(
            new SavedUpload("graph-session", 700000, 1600000000000L, 327680, "https://up/x?a=1 b"));
  }

  @Test
  void refusesTextItNeverWrote() {
    assertThat(SavedUpload.parse("graph-session https://example")).isNull();
    assertThat(SavedUpload.parse("s3-multipart size=x mtime=1 part=2 upload=u")).isNull();
    assertThat(SavedUpload.parse("s3-multipart size=1 mtime=1 part=2 upload=")).isNull();
    assertThat(SavedUpload.parse("s3-multipart size=1 mtime=1 part=2 id=u")).isNull();
    assertThat(SavedUpload.parse("S3 size=1 mtime=1 part=2")).isNull();
    assertThat(SavedUpload.parse("graph-v1 1 2 x https://u")).isNull();
    assertThat(SavedUpload.parse("graph-v1 1 2 3")).isNull();
    assertThat(SavedUpload.parse("")).isNull();
    assertThat(SavedUpload.parse(null)).isNull();
  }
}
