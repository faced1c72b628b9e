package io.ctops.server.services;

import java.util.UUID;
import org.jdbi.v3.core.Handle;

/**
 * What a service task asked and what the agent reported: the unit and action it was given, the exit
 * code and whether the unit is active afterwards (null when the agent did not say).
 */
record ServiceOutcome(String unit, String action, Integer exitCode, Boolean isActive) {

  static ServiceOutcome of(Handle handle, UUID taskId) {
    return handle
        .createQuery(
            """
            SELECT parameters->>'service_name', parameters->>'action', exit_code,
                   CASE WHEN jsonb_typeof(result->'is_active') = 'boolean'
                        THEN (result->>'is_active')::boolean END
              FROM tasks WHERE id = :id
            """)
        .bind("id", taskId)
        .map(
            (rs, ctx) ->
                new ServiceOutcome(
                    rs.getString(1),
                    rs.getString(2),
                    (Integer) rs.getObject(3),
                    (Boolean) rs.getObject(4)))
        .one();
  }
}
