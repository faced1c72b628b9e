/**
 * The agent CA: the key that signs agents' client certificates, stored encrypted under the server's
 * KEK.
 */
package io.ctops.server.agentca;
