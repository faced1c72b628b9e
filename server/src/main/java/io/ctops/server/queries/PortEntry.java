package io.ctops.server.queries;

/**
 * One listening socket as the agent reported it.
 *
 * @param address the local address, empty when the agent did not say (older agents)
 * @param process the owning process's name, empty when unknown
 * @param pid 0 when unknown
 */
public record PortEntry(int port, String protocol, String address, String process, int pid) {}
