package dev.ferry.activities.engine;

/**
 * A counting gate whose width can change while threads wait on it: the job-wide limit on parallel
 * streams, shared by every batch of a run in this process.
 */
public final class Gate {
  private int width;
  private int inside;

  public Gate(int width) {
    this.width = width;
  }

  public synchronized void setWidth(int w) {
    width = w;
    notifyAll();
  }

  public synchronized int width() {
    return width;
  }

  public synchronized void enter() throws InterruptedException {
    while (inside >= width) {
      wait();
    }
    inside++;
  }

  public synchronized void leave() {
    inside--;
    notifyAll();
  }
}
