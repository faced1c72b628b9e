package io.ctops.server.inventory;

import java.util.List;

/** The fleet software page: the name searched and the hosts that have it. */
public record SoftwareView(String name, List<FleetSoftware.Holder> holders) {}
