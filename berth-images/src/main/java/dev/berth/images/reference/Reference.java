package dev.berth.images.reference;

import dev.berth.common.error.InvalidArgument;
import dev.berth.images.digest.Digest;
import java.util.regex.Pattern;

/**
 * An image reference normalised as Docker does: {@code busybox} is
 * {@code docker.io/library/busybox:latest}; a reference may carry a tag, a digest, or both.
 */
public record Reference(String domain, String path, String tag, Digest digest) {
  public static final String DEFAULT_DOMAIN = "docker.io";
  private static final String LEGACY_DOMAIN = "index.docker.io";
  private static final Pattern COMPONENT = Pattern.compile("[a-z0-9]+(?:(?:[._]|__|[-]+)[a-z0-9]+)*");
  private static final Pattern TAG = Pattern.compile("[\\w][\\w.-]{0,127}");
  private static final Pattern DOMAIN = Pattern.compile(
      "(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])(?:\\.(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9]))*"
          + "(?::[0-9]+)?|\\[[0-9a-fA-F:]+\\](?::[0-9]+)?");

  /** Parses and normalises; a reference without tag or digest gets the tag "latest". */
  public static Reference parse(String text) {
    if (text == null || text.isEmpty()) {
      throw new InvalidArgument("invalid reference format: empty reference");
    }
    String rest = text;
    Digest digest = null;
    int at = rest.indexOf('@');
    if (at >= 0) {
      digest = parseDigest(text, rest.substring(at + 1));
      rest = rest.substring(0, at);
    }
    String tag = null;
    int colon = rest.lastIndexOf(':');
    if (colon > rest.lastIndexOf('/')) {
      tag = rest.substring(colon + 1);
      rest = rest.substring(0, colon);
      if (!TAG.matcher(tag).matches()) {
        throw new InvalidArgument("invalid reference format: invalid tag \"" + tag + "\" in " + text);
      }
    }
    String domain = DEFAULT_DOMAIN;
    String path = rest;
    int slash = rest.indexOf('/');
    if (slash > 0) {
      String first = rest.substring(0, slash);
      if (first.contains(".") || first.contains(":") || first.equals("localhost") || !first.equals(first.toLowerCase())) {
        domain = first;
        path = rest.substring(slash + 1);
      }
    }
    if (!DOMAIN.matcher(domain).matches()) {
      throw new InvalidArgument("invalid reference format: invalid registry \"" + domain + "\" in " + text);
    }
    if (domain.equals(LEGACY_DOMAIN)) {
      domain = DEFAULT_DOMAIN;
    }
    if (!path.equals(path.toLowerCase())) {
      throw new InvalidArgument("invalid reference format: repository name (" + path + ") must be lowercase");
    }
    for (String component : path.split("/", -1)) {
      if (!COMPONENT.matcher(component).matches()) {
        throw new InvalidArgument("invalid reference format: \"" + text + "\"");
      }
    }
    if (domain.equals(DEFAULT_DOMAIN) && !path.contains("/")) {
      path = "library/" + path;
    }
    if ((domain + "/" + path).length() > 255) {
      throw new InvalidArgument("invalid reference format: repository name must not be more than 255 characters");
    }
    if (tag == null && digest == null) {
      tag = "latest";
    }
    return new Reference(domain, path, tag, digest);
  }

  private static Digest parseDigest(String text, String value) {
    try {
      return Digest.parse(value);
    } catch (InvalidArgument e) {
      throw new InvalidArgument("invalid reference format: invalid digest in " + text + ": " + e.getMessage(), e);
    }
  }

  /** domain/path, e.g. docker.io/library/busybox. */
  public String repository() {
    return domain + "/" + path;
  }

  /** The repository as `docker images` shows it: busybox, not docker.io/library/busybox. */
  public String familiarRepository() {
    if (!domain.equals(DEFAULT_DOMAIN)) {
      return repository();
    }
    return path.startsWith("library/") ? path.substring("library/".length()) : path;
  }

  /** busybox:latest, myhost:5000/a/b:v1, busybox@sha256:… */
  public String familiar() {
    return familiarRepository() + (tag == null ? "" : ":" + tag) + (digest == null ? "" : "@" + digest);
  }

  @Override
  public String toString() {
    return repository() + (tag == null ? "" : ":" + tag) + (digest == null ? "" : "@" + digest);
  }
}
