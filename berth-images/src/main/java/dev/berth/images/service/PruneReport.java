package dev.berth.images.service;

import java.util.List;

/** What a prune untagged and deleted, and the bytes garbage collection freed afterwards. */
public record PruneReport(List<Removal> removed, long spaceReclaimed) {}
