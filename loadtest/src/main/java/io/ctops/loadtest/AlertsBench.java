package io.ctops.loadtest;

import io.ctops.server.alerts.AlertEvaluator;
import io.ctops.server.platform.config.DatabaseSettings;
import io.ctops.server.platform.database.Database;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.UUID;
import org.jdbi.v3.core.Jdbi;

/**
 * What alert evaluation costs: seeds HOSTS hosts (the host list benchmark's fleet, tagged) and 20
 * rules of every kind and selector into a throw-away embedded PostgreSQL, then times the
 * evaluator's cycles — the first (opening every alert), steady ones (nothing changed: nothing may
 * be written) and ones after 1 % of the hosts' CPU moved — and prints p50/p99 and the rows each
 * kind of cycle wrote.
 *
 * <p>Usage: {@code AlertsBench [hosts] [cycles]}.
 */
public final class AlertsBench {
  private AlertsBench() {}

  public static void main(String[] args) throws Exception {
    int hosts = args.length > 0 ? Integer.parseInt(args[0]) : 100_000;
    int cycles = args.length > 1 ? Integer.parseInt(args[1]) : 30;
    Path dataDir = Files.createTempDirectory("ctops-alerts-bench-");
    DatabaseSettings dbSettings =
        new DatabaseSettings(dataDir, Optional.empty(), dataDir.resolve("pg").resolve("runtime"));
    try (Database database = Database.open(dbSettings, Database.Access.EXCLUSIVE, "bench")) {
      Jdbi jdbi = database.jdbi();
      UUID org =
          jdbi.withHandle(
              h -> h.createQuery("SELECT id FROM organisations").mapTo(UUID.class).one());
      long seedStart = System.nanoTime();
      HostListBench.seed(database, org, hosts);
      jdbi.useHandle(
          h -> {
            h.execute(
                """
                UPDATE hosts SET metadata = jsonb_build_object('tags', jsonb_build_object(
                    'env', (ARRAY['prod','staging','dev'])[1 + CAST(substring(hostname FROM '[0-9]+$') AS int) % 3]))
                """);
            h.execute(
                """
                UPDATE host_vitals SET net_rx_bytes_per_sec = (random() * 1e8)::bigint,
                                       net_tx_bytes_per_sec = (random() * 1e8)::bigint
                """);
            UUID group =
                h.createQuery(
                        "INSERT INTO host_groups (org_id, name, dynamic) VALUES (:org, 'picked',"
                            + " false) RETURNING id")
                    .bind("org", org)
                    .mapTo(UUID.class)
                    .one();
            h.createUpdate(
                    "INSERT INTO host_group_members (group_id, host_id) SELECT :group, id"
                        + " FROM hosts ORDER BY random() LIMIT 5000")
                .bind("group", group)
                .execute();
            rules(h, org, group);
            h.execute("VACUUM (ANALYZE)");
          });
      System.out.printf(
          Locale.ROOT,
          "seeded %,d hosts and 20 rules in %.1f s%n",
          hosts,
          (System.nanoTime() - seedStart) / 1e9);

      AlertEvaluator evaluator = new AlertEvaluator(jdbi, Clock.systemUTC());
      heartbeats(jdbi);
      long before = rowsWritten(jdbi);
      AlertEvaluator.Cycle first = evaluator.evaluate();
      System.out.printf(
          Locale.ROOT,
          "%nfirst cycle: %,d ms, opened %,d alerts (%,d firing), %,d rows written%n",
          first.millis(),
          first.opened(),
          first.fired(),
          rowsWritten(jdbi) - before);

      List<Double> steady = new ArrayList<>();
      long steadyBefore = rowsWritten(jdbi);
      for (int i = 0; i < cycles; i++) {
        heartbeats(jdbi);
        steady.add((double) evaluator.evaluate().millis());
      }
      long steadyRows = rowsWritten(jdbi) - steadyBefore;

      List<Double> churn = new ArrayList<>();
      long churnRows = 0;
      long changes = 0;
      for (int i = 0; i < cycles; i++) {
        // 1 % of the hosts' CPU moves to a new random value between two cycles
        jdbi.useHandle(
            h ->
                h.execute(
                    "UPDATE host_vitals SET cpu_percent = (power(random(), 3) * 100)::real"
                        + " WHERE host_id IN (SELECT id FROM hosts TABLESAMPLE BERNOULLI (1))"));
        heartbeats(jdbi);
        long rowsBefore = rowsWritten(jdbi);
        AlertEvaluator.Cycle cycle = evaluator.evaluate();
        churn.add((double) cycle.millis());
        churnRows += rowsWritten(jdbi) - rowsBefore;
        changes += cycle.opened() + cycle.resolved();
      }
      System.out.printf(
          Locale.ROOT,
          "%n%-44s %9s %9s %9s  (%d cycles each, ms)%n",
          "20 rules over " + String.format(Locale.ROOT, "%,d", hosts) + " hosts",
          "p50",
          "p99",
          "max",
          cycles);
      print("steady cycle (nothing changed)", steady);
      print("cycle after 1 % of hosts' CPU moved", churn);
      System.out.printf(
          Locale.ROOT,
          "%nrows written: %,d by %d steady cycles; %,d by %d churn cycles (%,d alerts opened or resolved)%n",
          steadyRows,
          cycles,
          churnRows,
          cycles,
          changes);
      evaluator.close();
      // BENCH_HOLD_SECONDS keeps the seeded database up afterwards, to look at plans with psql
      long hold = Long.parseLong(System.getenv().getOrDefault("BENCH_HOLD_SECONDS", "0"));
      if (hold > 0) {
        System.out.printf(Locale.ROOT, "holding the database in %s for %d s%n", dataDir, hold);
        Thread.sleep(hold * 1000);
      }
    } finally {
      try (var paths = Files.walk(dataDir)) {
        paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      }
    }
  }

  /**
   * The online hosts' heartbeats since the last cycle, as the ingest writes them: without them
   * every online host would drift into "silent" while the benchmark runs.
   */
  private static void heartbeats(Jdbi jdbi) {
    jdbi.useHandle(
        h -> h.execute("UPDATE host_vitals SET last_seen = now() WHERE host_status = 'online'"));
  }

  /** Rows inserted, updated or deleted in the alert tables so far (the statistics collector's). */
  private static long rowsWritten(Jdbi jdbi) {
    return jdbi.withHandle(
        h -> {
          h.execute("SELECT pg_stat_force_next_flush()");
          return h.createQuery(
                  "SELECT coalesce(sum(n_tup_ins + n_tup_upd + n_tup_del), 0)"
                      + " FROM pg_stat_user_tables"
                      + " WHERE relname IN ('alert_instances', 'alert_events', 'alert_notices')")
              .mapTo(Long.class)
              .one();
        });
  }

  /** 20 rules: thresholds on every vital, with and without "for", on every kind of selector. */
  private static void rules(org.jdbi.v3.core.Handle h, UUID org, UUID group) {
    String all = "{\"kind\": \"all\"}";
    String prod = "{\"kind\": \"tags\", \"tags\": [\"env:prod\"]}";
    String picked = "{\"kind\": \"group\", \"group_id\": \"" + group + "\"}";
    String[][] rules = {
      {
        "metric_threshold",
        "{\"metric\": \"cpu\", \"operator\": \">=\", \"threshold\": 90}",
        all,
        "0"
      },
      {
        "metric_threshold",
        "{\"metric\": \"cpu\", \"operator\": \">=\", \"threshold\": 95}",
        all,
        "300"
      },
      {
        "metric_threshold",
        "{\"metric\": \"memory\", \"operator\": \">=\", \"threshold\": 90}",
        all,
        "0"
      },
      {
        "metric_threshold",
        "{\"metric\": \"memory\", \"operator\": \">\", \"threshold\": 97}",
        all,
        "600"
      },
      {
        "metric_threshold",
        "{\"metric\": \"disk\", \"operator\": \">=\", \"threshold\": 85}",
        all,
        "0"
      },
      {
        "metric_threshold",
        "{\"metric\": \"disk\", \"operator\": \">=\", \"threshold\": 95}",
        all,
        "0"
      },
      {
        "metric_threshold", "{\"metric\": \"cpu\", \"operator\": \"<\", \"threshold\": 1}", all, "0"
      },
      {
        "metric_threshold",
        "{\"metric\": \"network_receive\", \"operator\": \">\", \"threshold\": 99000000}",
        all,
        "0"
      },
      {
        "metric_threshold",
        "{\"metric\": \"network_transmit\", \"operator\": \">\", \"threshold\": 99000000}",
        all,
        "3600"
      },
      {
        "metric_threshold",
        "{\"metric\": \"cpu\", \"operator\": \">=\", \"threshold\": 80}",
        prod,
        "0"
      },
      {
        "metric_threshold",
        "{\"metric\": \"memory\", \"operator\": \">=\", \"threshold\": 80}",
        prod,
        "3600"
      },
      {
        "metric_threshold",
        "{\"metric\": \"disk\", \"operator\": \">=\", \"threshold\": 80}",
        prod,
        "0"
      },
      {
        "metric_threshold",
        "{\"metric\": \"cpu\", \"operator\": \">=\", \"threshold\": 70}",
        picked,
        "0"
      },
      {
        "metric_threshold",
        "{\"metric\": \"disk\", \"operator\": \">=\", \"threshold\": 70}",
        picked,
        "0"
      },
      {"host_offline", "{\"minutes\": 0}", all, "0"},
      {"host_offline", "{\"minutes\": 60}", all, "0"},
      {"host_offline", "{\"minutes\": 5}", prod, "0"},
      {"host_offline", "{\"minutes\": 15}", picked, "0"},
      {"agent_pending", "{\"minutes\": 30}", all, "0"},
      {"agent_pending", "{\"minutes\": 0}", prod, "0"},
    };
    for (int i = 0; i < rules.length; i++) {
      String[] r = rules[i];
      h.createUpdate(
              """
              INSERT INTO alert_rules (org_id, name, kind, parameters, severity, selector,
                                       for_seconds)
              VALUES (:org, :name, :kind, CAST(:parameters AS jsonb), 'warning',
                      CAST(:selector AS jsonb), :for)
              """)
          .bind("org", org)
          .bind("name", "rule " + (i + 1))
          .bind("kind", r[0])
          .bind("parameters", r[1])
          .bind("selector", r[2])
          .bind("for", Integer.parseInt(r[3]))
          .execute();
    }
  }

  private static void print(String name, List<Double> times) {
    Collections.sort(times);
    System.out.printf(
        Locale.ROOT,
        "%-44s %9.1f %9.1f %9.1f%n",
        name,
        times.get(times.size() / 2),
        times.get((int) Math.ceil(times.size() * 0.99) - 1),
        times.get(times.size() - 1));
  }
}
