package dev.berth.images.layer;

import dev.berth.images.digest.Digest;

/** What unpacking a layer produced: the digest of the uncompressed tar (its diff_id) and its size. */
public record UnpackedLayer(Digest diffId, long size) {}
