package dev.berth.images.service;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;

/**
 * An image as `docker image inspect` shows it.
 *
 * @param created the config's creation time as written there (RFC 3339), or null
 * @param config the config's {@code config} object (Cmd, Env, Labels…), a view of the bytes as received
 * @param diffIds the uncompressed digests of its layers, bottom first
 */
public record ImageDetails(String id, List<String> repoTags, List<String> repoDigests, String comment, String created,
    String author, JsonNode config, String architecture, String os, long size, List<String> diffIds) {}
