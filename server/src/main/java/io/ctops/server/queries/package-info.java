/**
 * Queries: quick questions to a host's agent whose answer is a list (its systemd services, its
 * listening ports). The web app asks ({@link io.ctops.server.queries.HostQueries}), the ingest
 * instance holding the agent's stream sends the question at once ({@link
 * io.ctops.server.queries.QueryDispatch}) and stores the answer ({@link
 * io.ctops.server.queries.QueryAnswers}); pages show the latest answer and how fresh it is.
 */
package io.ctops.server.queries;
