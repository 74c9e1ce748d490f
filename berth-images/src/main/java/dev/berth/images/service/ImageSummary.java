package dev.berth.images.service;

import java.util.List;
import java.util.Map;

/**
 * An image as `docker images` lists it.
 *
 * @param repoTags familiar names with a tag ({@code busybox:latest})
 * @param repoDigests familiar names with a digest ({@code busybox@sha256:…})
 * @param created seconds since the epoch (0 when the config has no usable time)
 * @param size the bytes of its layers as stored
 */
public record ImageSummary(String id, List<String> repoTags, List<String> repoDigests, long created, long size,
    Map<String, String> labels) {}
