package dev.ferry.api.server;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.ThrowableProxyUtil;
import ch.qos.logback.core.AppenderBase;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.slf4j.LoggerFactory;

/**
 * Everything logged in this JVM while it is open — Ferry's own loggers at DEBUG, as an operator
 * debugging would see them — each line with its logger and any stack trace, for tests that check
 * what never reaches a log (secrets).
 */
final class LogCapture implements AutoCloseable {
  private final List<String> lines = new CopyOnWriteArrayList<>();
  private final AppenderBase<ILoggingEvent> appender;
  private final Level before;

  private LogCapture() {
    LoggerContext lc = (LoggerContext) LoggerFactory.getILoggerFactory();
    appender =
        new AppenderBase<>() {
          @Override
          protected void append(ILoggingEvent e) {
            lines.add(
                e.getLoggerName()
                    + " "
                    + e.getFormattedMessage()
                    + (e.getThrowableProxy() == null
                        ? ""
                        : ThrowableProxyUtil.asString(e.getThrowableProxy())));
          }
        };
    appender.setContext(lc);
    appender.start();
    lc.getLogger(Logger.ROOT_LOGGER_NAME).addAppender(appender);
    Logger ferry = lc.getLogger("dev.ferry");
    before = ferry.getLevel();
    ferry.setLevel(Level.DEBUG);
  }

  static LogCapture start() {
    return new LogCapture();
  }

  /** The lines logged so far. */
  List<String> lines() {
    return lines;
  }

  @Override
  public void close() {
    LoggerContext lc = (LoggerContext) LoggerFactory.getILoggerFactory();
    lc.getLogger(Logger.ROOT_LOGGER_NAME).detachAppender(appender);
    lc.getLogger("dev.ferry").setLevel(before);
  }
}
