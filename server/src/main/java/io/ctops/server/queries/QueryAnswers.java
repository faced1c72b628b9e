package io.ctops.server.queries;

import com.fasterxml.jackson.core.JsonProcessingException;
import io.ctops.protocol.v1.AgentQueryResult;
import io.ctops.protocol.v1.PortInfo;
import io.ctops.protocol.v1.ServiceInfo;
import io.ctops.server.platform.grpc.AgentText;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.UncheckedIOException;
import java.sql.Timestamp;
import java.time.Clock;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Stores what agents answered, from heartbeat messages, on a thread of its own so the heartbeat
 * path never waits. An answer counts only for the question it answers (the host's latest of its
 * kind); answers to replaced or unknown questions change nothing and are counted.
 */
public final class QueryAnswers implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(QueryAnswers.class);

  static final int ERROR_LIMIT = 4000;

  /** Items kept per answer; a host with more services or ports than this is cut short. */
  static final int MAX_ITEMS = 5_000;

  private final Jdbi jdbi;
  private final Clock clock;
  private final Counter ignored;
  private final ExecutorService writer =
      Executors.newSingleThreadExecutor(
          runnable -> Thread.ofPlatform().name("query-answers").daemon().unstarted(runnable));

  public QueryAnswers(Jdbi jdbi, Clock clock, MeterRegistry registry) {
    this.jdbi = jdbi;
    this.clock = clock;
    this.ignored =
        Counter.builder("ctops_query_answers_ignored_total")
            .description("Query answers for unknown or replaced questions, or of unknown kinds")
            .register(registry);
  }

  /** Hands the answers of one heartbeat to the writer. */
  public void received(UUID hostId, List<AgentQueryResult> answers) {
    if (answers.isEmpty()) {
      return;
    }
    writer.execute(
        () -> {
          try {
            write(hostId, answers);
          } catch (RuntimeException e) {
            log.warn("event=query_answer_not_recorded host_id={} error={}", hostId, e.toString());
          }
        });
  }

  /** Writes the answers now (the writer thread, and tests that want them stored on return). */
  public void write(UUID hostId, List<AgentQueryResult> answers) {
    jdbi.useTransaction(
        handle -> {
          for (AgentQueryResult answer : answers) {
            if (!store(handle, hostId, answer)) {
              ignored.increment();
            }
          }
        });
  }

  private boolean store(Handle handle, UUID hostId, AgentQueryResult answer) {
    Optional<QueryType> type = QueryType.fromWire(answer.getQueryType());
    Optional<UUID> queryId = uuid(answer.getQueryId());
    if (type.isEmpty() || queryId.isEmpty()) {
      return false;
    }
    boolean ok = "ok".equals(answer.getStatus());
    String error =
        ok
            ? null
            : answer.getError().isBlank()
                ? "the agent could not answer (status \""
                    + AgentText.storable(answer.getStatus(), 40)
                    + "\")"
                : AgentText.storable(answer.getError(), ERROR_LIMIT);
    return handle
            .createUpdate(
                """
                UPDATE host_queries
                   SET answered_query_id = query_id, answered_at = :now, status = :status,
                       error = :error,
                       items = CASE WHEN :ok THEN CAST(:items AS jsonb) ELSE items END,
                       sent_at = coalesce(sent_at, :now)
                 WHERE host_id = :host AND type = :type AND query_id = :query
                """)
            .bind("now", Timestamp.from(clock.instant()))
            .bind("status", ok ? "ok" : "error")
            .bind("error", error)
            .bind("ok", ok)
            .bind("items", ok ? items(type.get(), answer) : "[]")
            .bind("host", hostId)
            .bind("type", type.get().wireName())
            .bind("query", queryId.get())
            .execute()
        > 0;
  }

  static String items(QueryType type, AgentQueryResult answer) {
    List<?> items =
        switch (type) {
          case SERVICES ->
              answer.getServicesList().stream()
                  .limit(MAX_ITEMS)
                  .map(QueryAnswers::service)
                  .sorted(Comparator.comparing(ServiceEntry::name, String.CASE_INSENSITIVE_ORDER))
                  .toList();
          case PORTS ->
              answer.getPortsList().stream()
                  .limit(MAX_ITEMS)
                  .map(QueryAnswers::port)
                  .distinct()
                  .sorted(
                      Comparator.comparingInt(PortEntry::port)
                          .thenComparing(PortEntry::protocol)
                          .thenComparing(PortEntry::address))
                  .toList();
        };
    try {
      return HostQueries.JSON.writeValueAsString(items);
    } catch (JsonProcessingException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static ServiceEntry service(ServiceInfo info) {
    String[] activeSub = ServiceEntry.activeAndSub(info.getActiveSub());
    return new ServiceEntry(
        text(info.getName(), 256),
        text(info.getLoadState(), 64),
        text(activeSub[0], 64),
        text(activeSub[1], 64),
        text(info.getUnitFileState(), 64),
        text(info.getDescription(), 512),
        Math.max(0, info.getMainPid()));
  }

  private static PortEntry port(PortInfo info) {
    return new PortEntry(
        info.getPort(),
        text(info.getProtocol(), 16),
        text(info.getAddress(), 64),
        text(info.getProcess(), 256),
        Math.max(0, info.getPid()));
  }

  private static String text(String value, int limit) {
    return AgentText.storable(value, limit);
  }

  private static Optional<UUID> uuid(String text) {
    try {
      return Optional.of(UUID.fromString(text));
    } catch (IllegalArgumentException e) {
      return Optional.empty();
    }
  }

  /** Writes what was received, then stops. */
  @Override
  public void close() {
    writer.shutdown();
    try {
      writer.awaitTermination(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
