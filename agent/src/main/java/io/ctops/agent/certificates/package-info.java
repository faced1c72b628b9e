/** X.509 certificates as the agent describes them to the server. */
package io.ctops.agent.certificates;
