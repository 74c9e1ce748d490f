package dev.berth.images.model;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import java.util.List;

/**
 * An image in the store: its id is the digest of its config; its layers are the blobs in the order
 * the config's rootfs.diff_ids lists them. {@code manifest} is the digest of an OCI manifest made for
 * it, kept so that every save writes the same bytes.
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record ImageRecord(Descriptor config, List<Descriptor> layers, String manifest) {
  public String id() {
    return config.digest();
  }
}
