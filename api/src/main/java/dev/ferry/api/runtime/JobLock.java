package dev.ferry.api.runtime;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Optional;

/**
 * An exclusive, process-wide lock on one job, held by the {@code ferry migrate} that runs it. The
 * operating system drops it when the process dies, even by SIGKILL, so a crashed run never blocks
 * the next one.
 */
public final class JobLock implements AutoCloseable {
  private final FileChannel channel;
  private final FileLock lock;

  private JobLock(FileChannel channel, FileLock lock) {
    this.channel = channel;
    this.lock = lock;
  }

  /** Takes the lock, or returns empty when another live process holds it. */
  public static Optional<JobLock> tryAcquire(Path file) throws IOException {
    FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
    FileLock l = ch.tryLock();
    if (l == null) {
      ch.close();
      return Optional.empty();
    }
    return Optional.of(new JobLock(ch, l));
  }

  @Override
  public void close() throws IOException {
    lock.release();
    channel.close();
  }
}
