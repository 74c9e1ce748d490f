package dev.berth.images.layer;

import dev.berth.images.digest.Digest;

/**
 * What unpacking a layer produced: the digest of the uncompressed tar (its diff_id; null only from
 * {@link LayerUnpacker#unpackBlobHashedByCaller} for a plain tar, whose diff_id is its blob digest) and
 * its size.
 */
public record UnpackedLayer(Digest diffId, long size) {}
