package dev.berth.images.model;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.Map;

/** A pointer to content: its media type, digest (as text, as in the specs) and size. */
@JsonIgnoreProperties(ignoreUnknown = true)
@JsonInclude(JsonInclude.Include.NON_EMPTY)
public record Descriptor(String mediaType, String digest, long size, Map<String, String> annotations) {
  public Descriptor(String mediaType, String digest, long size) {
    this(mediaType, digest, size, null);
  }
}
