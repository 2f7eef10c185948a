package dev.ferry.activities.storage.upload;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ferry.activities.storage.Entry;
import dev.ferry.activities.storage.Storage;
import dev.ferry.activities.storage.StorageException;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.IntConsumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The driver against a store in memory that keeps unfinished uploads part by part, as S3 does: the
 * driver is what is tested, the store only records what it was asked.
 */
class ChunkedUploadTest {
  private static final int PART = 1000;
  private static final long MTIME = 1_600_000_000_000L;

  /** Uploads by id: the parts stored so far, by index. */
  private final Map<String, Map<Integer, byte[]>> unfinished = new ConcurrentHashMap<>();

  private final List<String> aborted = new ArrayList<>();
  private final List<String> discarded = new ArrayList<>();
  private byte[] completed;
  private final AtomicInteger ids = new AtomicInteger();

  @AfterEach
  void noBufferIsLeftHeld() {
    assertThat(PartBuffers.held()).isZero();
  }

  /** A connector with {@code window}; {@code beforePart} runs before each part is stored. */
  private final class Memory implements ChunkedUpload.Connector<Integer> {
    final int window;
    IntConsumer beforePart = i -> {};
    final List<ChunkedUpload.Part> seen = new ArrayList<>();

    Memory(int window) {
      this.window = window;
    }

    @Override
    public ChunkedUpload.Session<Integer> open(long partSize) {
      String id = "u" + ids.incrementAndGet();
      unfinished.put(id, new ConcurrentHashMap<>());
      return new Upload(this, id);
    }

    @Override
    public Optional<ChunkedUpload.Session<Integer>> resume(SavedUpload saved) {
      return unfinished.containsKey(saved.upload())
          ? Optional.of(new Upload(this, saved.upload()))
          : Optional.empty();
    }

    @Override
    public void discard(SavedUpload saved) {
      discarded.add(saved.upload());
      unfinished.remove(saved.upload());
    }
  }

  private final class Upload implements ChunkedUpload.Session<Integer> {
    final Memory m;
    final String id;

    Upload(Memory m, String id) {
      this.m = m;
      this.id = id;
    }

    @Override
    public String id() {
      return id;
    }

    @Override
    public int stored(ChunkedUpload.Part part) {
      synchronized (m.seen) {
        m.seen.add(part);
      }
      byte[] there = unfinished.get(id).get(part.index());
      // what the store holds is compared by MD5, as S3 compares ETags
      return there != null && Arrays.equals(there, part.md5()) ? part.length() : 0;
    }

    @Override
    public Integer writePart(ChunkedUpload.Part part, byte[] buf, int from) {
      m.beforePart.accept(part.index());
      unfinished.get(id).put(part.index(), ChunkedUpload.md5(buf, part.length()));
      stash
          .computeIfAbsent(id, k -> new ConcurrentHashMap<>())
          .put(part.index(), Arrays.copyOf(buf, part.length()));
      return part.index();
    }

    @Override
    public Storage.Written complete(List<ChunkedUpload.Sent<Integer>> parts, Runnable committed) {
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      for (var p : new TreeMap<>(stash.get(id)).values()) {
        out.writeBytes(p);
      }
      assertThat(parts).extracting(p -> p.part().index()).isSorted();
      unfinished.remove(id);
      completed = out.toByteArray();
      committed.run();
      return new Storage.Written("memory", null);
    }

    @Override
    public void abort() {
      aborted.add(id);
      unfinished.remove(id);
    }
  }

  /** The bytes of every part stored, by upload and index. */
  private final Map<String, Map<Integer, byte[]>> stash = new ConcurrentHashMap<>();

  private static Storage.Written write(
      Memory m, Entry e, InputStream in, Storage.WriteOptions options) {
    var plan = new ChunkedUpload.Plan("memory", "memory://f", PART, m.window, true);
    return ChunkedUpload.write(plan, m, e, in, options);
  }

  private static byte[] bytes(int n) {
    byte[] b = new byte[n];
    new Random(n).nextBytes(b);
    return b;
  }

  private static Storage.WriteOptions options(Storage.UploadState state, AtomicLong sent) {
    return new Storage.WriteOptions(true, PART, state, sent::addAndGet);
  }

  private static Entry entry(int size) {
    return Entry.file("f", size, MTIME);
  }

  @Test
  void readsHashesAndSendsEveryPartInOrderAndCompletes() throws Exception {
    Memory m = new Memory(3);
    byte[] data = bytes(10 * PART + 500);
    AtomicLong sent = new AtomicLong();
    Storage.UploadState state = Storage.UploadState.inMemory();
    write(m, entry(data.length), new ByteArrayInputStream(data), options(state, sent));
    assertThat(completed).isEqualTo(data);
    assertThat(sent.get()).isEqualTo(data.length);
    assertThat(state.load()).isEmpty();
    assertThat(m.seen).hasSize(11);
    for (ChunkedUpload.Part p : m.seen) {
      assertThat(p.offset()).isEqualTo((long) p.index() * PART);
      assertThat(p.length()).isEqualTo(p.index() == 10 ? 500 : PART);
      byte[] slice = Arrays.copyOfRange(data, (int) p.offset(), (int) p.offset() + p.length());
      assertThat(p.md5()).isEqualTo(MessageDigest.getInstance("MD5").digest(slice));
    }
  }

  @Test
  void keepsTheWindowFullButNeverMoreThanItInFlight() {
    int window = 3;
    Memory m = new Memory(window);
    AtomicInteger inFlight = new AtomicInteger();
    AtomicInteger most = new AtomicInteger();
    CountDownLatch full = new CountDownLatch(window);
    m.beforePart =
        i -> {
          int now = inFlight.incrementAndGet();
          most.accumulateAndGet(now, Math::max);
          full.countDown();
          try {
            // the first parts wait until the window holds `window` of them at once
            if (i < window && !full.await(20, TimeUnit.SECONDS)) {
              throw new AssertionError("the driver never had " + window + " parts in flight");
            }
          } catch (InterruptedException e) {
            throw new AssertionError(e);
          } finally {
            inFlight.decrementAndGet();
          }
        };
    byte[] data = bytes(12 * PART);
    write(
        m,
        entry(data.length),
        new ByteArrayInputStream(data),
        options(Storage.UploadState.NONE, new AtomicLong()));
    assertThat(completed).isEqualTo(data);
    assertThat(most.get()).isEqualTo(window);
  }

  @Test
  void aFailureThatMayPassLeavesTheUploadAndTheNextWriteSendsOnlyTheRest() {
    Memory m = new Memory(1);
    byte[] data = bytes(8 * PART + 1);
    Storage.UploadState state = Storage.UploadState.inMemory();
    m.beforePart =
        i -> {
          if (i == 4) {
            throw new StorageException.Transient("connection reset", null);
          }
        };
    AtomicLong sent1 = new AtomicLong();
    assertThatThrownBy(
            () ->
                write(m, entry(data.length), new ByteArrayInputStream(data), options(state, sent1)))
        .isInstanceOf(StorageException.Transient.class);
    assertThat(sent1.get()).isEqualTo(4 * PART);
    assertThat(aborted).isEmpty();
    SavedUpload saved = SavedUpload.parse(state.load().orElseThrow());
    assertThat(saved).isEqualTo(new SavedUpload("memory", data.length, MTIME, PART, "u1"));

    m.beforePart = i -> {};
    AtomicLong sent2 = new AtomicLong();
    write(m, entry(data.length), new ByteArrayInputStream(data), options(state, sent2));
    assertThat(completed).isEqualTo(data);
    assertThat(sent2.get()).isEqualTo(data.length - 4 * PART); // reused parts are not reported
    assertThat(ids.get()).isEqualTo(1); // continued, not started again
    assertThat(state.load()).isEmpty();
  }

  @Test
  void aRefusalForGoodAbortsTheUploadAndForgetsIt() {
    Memory m = new Memory(2);
    byte[] data = bytes(6 * PART);
    Storage.UploadState state = Storage.UploadState.inMemory();
    m.beforePart =
        i -> {
          if (i == 2) {
            throw new StorageException.Permanent("quota exceeded", null);
          }
        };
    assertThatThrownBy(
            () ->
                write(
                    m,
                    entry(data.length),
                    new ByteArrayInputStream(data),
                    options(state, new AtomicLong())))
        .isInstanceOf(StorageException.Permanent.class);
    assertThat(aborted).containsExactly("u1");
    assertThat(state.load()).isEmpty();
    assertThat(completed).isNull();
  }

  @Test
  void withoutStateToKeepItAFailureThatMayPassAbortsToo() {
    Memory m = new Memory(1);
    byte[] data = bytes(3 * PART);
    m.beforePart =
        i -> {
          throw new StorageException.Throttled("slow down", java.time.Duration.ZERO, null);
        };
    assertThatThrownBy(
            () ->
                write(
                    m,
                    entry(data.length),
                    new ByteArrayInputStream(data),
                    options(Storage.UploadState.NONE, new AtomicLong())))
        .isInstanceOf(StorageException.Throttled.class);
    assertThat(aborted).containsExactly("u1");
  }

  @Test
  void aSourceShorterOrLongerThanItsSizeIsSourceChangedAndAborts() {
    byte[] data = bytes(5 * PART);
    for (int actual : new int[] {5 * PART - 10, 5 * PART + 1}) {
      Memory m = new Memory(2);
      Storage.UploadState state = Storage.UploadState.inMemory();
      InputStream in = new ByteArrayInputStream(bytes(actual));
      assertThatThrownBy(() -> write(m, entry(data.length), in, options(state, new AtomicLong())))
          .isInstanceOf(StorageException.SourceChanged.class)
          .hasMessageContaining("source changed while being copied to memory://f")
          .hasMessageContaining("expected " + data.length);
      assertThat(aborted).hasSize(actual < data.length ? 1 : 2);
      assertThat(state.load()).isEmpty();
      assertThat(completed).isNull();
    }
    // a longer source is caught before its last part is sent: that part would complete the file
    assertThat(stash.get("u2")).doesNotContainKey(4);
  }

  @Test
  void anUploadRecordedForAnotherVersionIsDiscardedAndOthersRecordsForgotten() {
    Memory m = new Memory(1);
    byte[] data = bytes(3 * PART);
    Storage.UploadState state = Storage.UploadState.inMemory();
    unfinished.put("old", new ConcurrentHashMap<>());
    state.save(new SavedUpload("memory", data.length, MTIME - 1, PART, "old").format());
    write(m, entry(data.length), new ByteArrayInputStream(data), options(state, new AtomicLong()));
    assertThat(discarded).containsExactly("old");
    assertThat(completed).isEqualTo(data);

    state.save("azure-blocks size=" + data.length + " mtime=" + MTIME + " part=" + PART);
    AtomicLong sent = new AtomicLong();
    write(m, entry(data.length), new ByteArrayInputStream(data), options(state, sent));
    assertThat(discarded).containsExactly("old"); // not ours: forgotten, not handed to us
    assertThat(sent.get()).isEqualTo(data.length);

    state.save("memory size=zz");
    write(m, entry(data.length), new ByteArrayInputStream(data), options(state, new AtomicLong()));
    assertThat(completed).isEqualTo(data);
    assertThat(state.load()).isEmpty();
  }

  @Test
  void anUploadTheStoreNoLongerHasStartsAfresh() {
    Memory m = new Memory(1);
    byte[] data = bytes(3 * PART);
    Storage.UploadState state = Storage.UploadState.inMemory();
    state.save(new SavedUpload("memory", data.length, MTIME, PART, "expired").format());
    AtomicLong sent = new AtomicLong();
    write(m, entry(data.length), new ByteArrayInputStream(data), options(state, sent));
    assertThat(sent.get()).isEqualTo(data.length);
    assertThat(completed).isEqualTo(data);
  }

  @Test
  void aFileOfOnePartKeepsNoRecord() {
    Memory m = new Memory(1);
    byte[] data = bytes(PART);
    List<String> saves = new ArrayList<>();
    Storage.UploadState state =
        new Storage.UploadState() {
          @Override
          public Optional<String> load() {
            return Optional.empty();
          }

          @Override
          public void save(String s) {
            saves.add(s);
          }

          @Override
          public void clear() {}
        };
    write(m, entry(data.length), new ByteArrayInputStream(data), options(state, new AtomicLong()));
    assertThat(completed).isEqualTo(data);
    assertThat(saves).isEmpty();
  }

  @Test
  void readWholeRequiresExactlyTheDeclaredSize() {
    assertThat(ChunkedUpload.readWhole(new ByteArrayInputStream(new byte[] {1, 2}), 2, "w"))
        .containsExactly(1, 2);
    assertThatThrownBy(
            () -> ChunkedUpload.readWhole(new ByteArrayInputStream(new byte[] {1}), 2, "w"))
        .isInstanceOf(StorageException.SourceChanged.class)
        .hasMessage("source changed while being copied to w: it gave 1 bytes, expected 2");
    assertThatThrownBy(
            () -> ChunkedUpload.readWhole(new ByteArrayInputStream(new byte[] {1, 2, 3}), 2, "w"))
        .isInstanceOf(StorageException.SourceChanged.class)
        .hasMessage(
            "source changed while being copied to w: it gave more than 2 bytes, expected 2");
  }

  @Test
  void onlyFailuresThatMayPassAreWorthResuming() {
    assertThat(ChunkedUpload.worthResuming(new StorageException.Transient("reset", null))).isTrue();
    assertThat(ChunkedUpload.worthResuming(new IllegalStateException("stopped"))).isTrue();
    assertThat(ChunkedUpload.worthResuming(new StorageException.SourceChanged("x"))).isFalse();
    assertThat(ChunkedUpload.worthResuming(new StorageException.UploadLost("x", null))).isFalse();
    assertThat(ChunkedUpload.worthResuming(new StorageException.Permanent("x", null))).isFalse();
  }
}
