/**
 * The parameters of health checks ({@code CheckDefinition.config_json}): one reading, shared by the
 * server that accepts definitions and the agent that runs them.
 */
package io.ctops.protocol.checks;
