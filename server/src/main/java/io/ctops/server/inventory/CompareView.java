package io.ctops.server.inventory;

import io.ctops.server.hosts.HostDetail;
import io.ctops.server.hosts.HostRow;
import java.util.List;

/** The compare page: this host, the hosts found by the search, and the diff with the chosen one. */
public record CompareView(
    HostDetail host,
    String search,
    List<HostRow> candidates,
    HostDetail other,
    PackageDiff.Diff diff) {}
