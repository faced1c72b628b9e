package io.ctops.agent.queries;

import io.ctops.agent.host.HostTools;
import io.ctops.agent.host.HostTools.NotRun;
import io.ctops.agent.ports.ListeningPorts;
import io.ctops.agent.systemd.Systemd;
import io.ctops.agent.tasks.TaskOutbox;
import io.ctops.protocol.v1.AgentQuery;
import io.ctops.protocol.v1.AgentQueryResult;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Answers the server's read-only questions ({@code pending_queries}) on the {@code agent-query}
 * thread, never on the gRPC thread that delivered them: {@code list_services} (systemd units) and
 * {@code list_ports} (listening sockets). Each answer goes into the outbox, which an extra
 * heartbeat carries at once. A query id is answered once: one the server sends again (after a
 * reconnect) within ten minutes of the first is ignored.
 */
public final class QueryRunner implements AutoCloseable {
  public static final String LIST_SERVICES = "list_services";
  public static final String LIST_PORTS = "list_ports";

  /** How long an answered query's id is remembered. */
  static final Duration REMEMBERED = Duration.ofMinutes(10);

  /** At most this many ids are remembered, however many queries arrive. */
  static final int MAX_REMEMBERED = 1000;

  private static final Logger log = LoggerFactory.getLogger("agent");

  private final HostTools tools;
  private final ListeningPorts ports;
  private final TaskOutbox outbox;
  private final Clock clock;
  private final Thread worker;
  private final Deque<AgentQuery> queue = new ArrayDeque<>();
  // Ids queued or answered, oldest first.
  private final Map<String, Instant> seen = new LinkedHashMap<>();
  private boolean closed;

  /** Answers with {@code tools} (for systemctl) and the socket tables under {@code proc}. */
  public QueryRunner(HostTools tools, Path proc, TaskOutbox outbox, Clock clock) {
    this.tools = tools;
    this.ports = new ListeningPorts(proc);
    this.outbox = outbox;
    this.clock = clock;
    this.worker = Thread.ofPlatform().name("agent-query").daemon().unstarted(this::work);
  }

  public void start() {
    worker.start();
  }

  /** A query the server sent: queued to be answered, or ignored if its id was seen lately. */
  public synchronized void arrived(AgentQuery query) {
    if (closed) {
      return;
    }
    Instant now = clock.instant();
    Iterator<Instant> at = seen.values().iterator();
    while (at.hasNext()) {
      Instant when = at.next();
      if (seen.size() > MAX_REMEMBERED || when.isBefore(now.minus(REMEMBERED))) {
        at.remove();
      } else {
        break;
      }
    }
    if (seen.putIfAbsent(query.getQueryId(), now) != null) {
      return;
    }
    queue.addLast(query);
    notifyAll();
  }

  private void work() {
    while (true) {
      AgentQuery query;
      synchronized (this) {
        while (queue.isEmpty() && !closed) {
          try {
            wait();
          } catch (InterruptedException e) {
            return;
          }
        }
        if (closed) {
          return;
        }
        query = queue.removeFirst();
      }
      try {
        outbox.queryResult(answer(query));
      } catch (InterruptedException e) {
        return;
      }
    }
  }

  AgentQueryResult answer(AgentQuery query) throws InterruptedException {
    AgentQueryResult.Builder result =
        AgentQueryResult.newBuilder()
            .setQueryId(query.getQueryId())
            .setQueryType(query.getQueryType())
            .setStatus("ok");
    try {
      switch (query.getQueryType()) {
        case LIST_SERVICES -> {
          Systemd systemd = new Systemd(tools);
          if (!systemd.isRunning()) {
            return failed(result, Systemd.NOT_RUNNING);
          }
          result.addAllServices(systemd.services());
        }
        case LIST_PORTS -> result.addAllPorts(ports.list());
        default -> {
          return failed(result, "unknown query type " + query.getQueryType());
        }
      }
    } catch (NotRun | RuntimeException e) {
      log.warn(
          "event=query_failed query_id={} query_type={} error=\"{}\"",
          query.getQueryId(),
          query.getQueryType(),
          e.getMessage());
      return failed(result, e.getMessage() == null ? e.toString() : e.getMessage());
    }
    return result.build();
  }

  private static AgentQueryResult failed(AgentQueryResult.Builder result, String error) {
    return result.clearPorts().clearServices().setStatus("error").setError(error).build();
  }

  @Override
  public synchronized void close() {
    closed = true;
    queue.clear();
    notifyAll();
    worker.interrupt();
  }
}
