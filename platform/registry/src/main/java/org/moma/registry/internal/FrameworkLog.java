package org.moma.registry.internal;

import java.util.ArrayList;
import java.util.Collections;
import java.util.Enumeration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.log.LogEntry;
import org.osgi.service.log.LogListener;
import org.osgi.service.log.LogReaderService;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes what the framework's bundles log through the OSGi log service (the component runtime's
 * activation failures, FileInstall) to the platform's log, {@code logs/moma.log}, under the logger
 * {@code osgi.<bundle>}, which the console does not show: the platform reports such failures
 * itself, in one line ({@code moma list}, "failed to activate"). The component runtime repeats a
 * failed activation at every lookup; the log keeps the first with its stack trace and counts no
 * more than one line for each repeat.
 */
@Component(immediate = true)
public final class FrameworkLog implements LogListener {
  private final Set<String> seen = ConcurrentHashMap.newKeySet();
  private LogReaderService reader;

  @Reference
  void bind(LogReaderService service) {
    this.reader = service;
  }

  @Activate
  void activate() {
    // what was logged before this component started, oldest first
    List<LogEntry> earlier = new ArrayList<>();
    for (Enumeration<LogEntry> e = reader.getLog(); e.hasMoreElements(); ) {
      earlier.add(e.nextElement());
    }
    Collections.reverse(earlier);
    earlier.forEach(this::logged);
    reader.addLogListener(this);
  }

  @Deactivate
  void deactivate() {
    reader.removeLogListener(this);
  }

  @Override
  public void logged(LogEntry entry) {
    String bundle = entry.getBundle() == null ? "framework" : entry.getBundle().getSymbolicName();
    Logger log = LoggerFactory.getLogger("osgi." + bundle);
    Throwable failure = entry.getException();
    if (!seen.add(bundle + '\n' + entry.getMessage() + '\n' + (failure == null ? "" : failure.toString()))) {
      log.debug("again: {}", entry.getMessage());
      return;
    }
    switch (entry.getLogLevel()) {
      case ERROR, AUDIT -> log.error(entry.getMessage(), failure);
      case WARN -> log.warn(entry.getMessage(), failure);
      case INFO -> log.info(entry.getMessage(), failure);
      default -> log.debug(entry.getMessage(), failure);
    }
  }
}
