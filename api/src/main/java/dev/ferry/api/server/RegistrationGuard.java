package dev.ferry.api.server;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Iterator;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Limits the guessing of registration codes, per source address: {@value #MAX_FAILURES} wrong codes
 * within {@link #WINDOW} lock the address out for {@link #LOCKOUT}; while locked out every
 * registration from it — right codes included, so a guess learns nothing — answers 429 with a
 * {@code Retry-After}. Only codes of the right shape count (a bearer that is no code is refused
 * without a look-up and tells nothing about codes).
 *
 * <p>Kept in memory, per server process: behind several servers an address gets this allowance at
 * each of them (a code has 31^8 ≈ 8.5·10^11 values, valid 24 h, so that still leaves guessing
 * hopeless). The address is the TCP peer's ({@code Context.ip()}): behind a reverse proxy every
 * client shares the proxy's, so a burst from one client locks out all of them for the lockout;
 * X-Forwarded-For is not trusted, as any client can set it. Thread-safe.
 */
final class RegistrationGuard {
  static final int MAX_FAILURES = 5;
  static final Duration WINDOW = Duration.ofMinutes(10);
  static final Duration LOCKOUT = Duration.ofMinutes(15);

  /** Addresses tracked at most; beyond, the oldest idle ones are forgotten first. */
  private static final int MAX_ADDRESSES = 100_000;

  private static final class Entry {
    final Deque<Instant> failures = new ArrayDeque<>();
    Instant lockedUntil;
    Instant lastSeen;
  }

  private final Map<String, Entry> byAddress = new ConcurrentHashMap<>();

  /** The instant until which {@code address} is locked out, or null when it is not. */
  Instant lockedUntil(String address, Instant now) {
    Entry e = byAddress.get(address);
    if (e == null) {
      return null;
    }
    synchronized (e) {
      return e.lockedUntil != null && e.lockedUntil.isAfter(now) ? e.lockedUntil : null;
    }
  }

  /** Notes a wrong code from {@code address}; returns the lock-out's end when this one locks it. */
  Instant failed(String address, Instant now) {
    if (byAddress.size() >= MAX_ADDRESSES) {
      forgetIdle(now);
    }
    Entry e = byAddress.computeIfAbsent(address, a -> new Entry());
    synchronized (e) {
      e.lastSeen = now;
      while (!e.failures.isEmpty() && e.failures.peekFirst().isBefore(now.minus(WINDOW))) {
        e.failures.removeFirst();
      }
      e.failures.addLast(now);
      if (e.failures.size() >= MAX_FAILURES) {
        e.failures.clear();
        e.lockedUntil = now.plus(LOCKOUT);
        return e.lockedUntil;
      }
      return null;
    }
  }

  private void forgetIdle(Instant now) {
    Instant horizon = now.minus(LOCKOUT.compareTo(WINDOW) > 0 ? LOCKOUT : WINDOW);
    for (Iterator<Entry> it = byAddress.values().iterator(); it.hasNext(); ) {
      Entry e = it.next();
      synchronized (e) {
        if (e.lastSeen.isBefore(horizon)) {
          it.remove();
        }
      }
    }
  }
}
