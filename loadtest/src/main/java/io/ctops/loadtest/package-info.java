/** Virtual agents that speak the real {@code agent.v1} protocol, for capacity figures. */
package io.ctops.loadtest;
