package dev.berth.images.service;

import dev.berth.common.error.InvalidArgument;
import java.util.List;
import java.util.Map;

/** The parts of Docker's filter arguments that listing and pruning share. */
final class Filters {
  private Filters() {}

  /** Refuses a filter name outside {@code known}, with Docker's message. */
  static void validate(Map<String, List<String>> filters, List<String> known) {
    for (String name : filters.keySet()) {
      if (!known.contains(name)) throw new InvalidArgument("invalid filter '" + name + "'");
    }
  }

  static InvalidArgument invalid(String name, List<String> values) {
    return new InvalidArgument("invalid filter '" + name + "=[" + String.join(" ", values) + "]'");
  }

  /**
   * Docker's MatchKVList: every {@code key} must be a label and every {@code key=value} must be one;
   * no filters admit everything.
   */
  static boolean labelsMatch(List<String> filters, Map<String, String> labels) {
    for (String f : filters) {
      int eq = f.indexOf('=');
      String key = eq < 0 ? f : f.substring(0, eq);
      if (!labels.containsKey(key) || (eq >= 0 && !f.substring(eq + 1).equals(labels.get(key)))) return false;
    }
    return true;
  }

  /** A filter that takes true/1 or false/0; absent gives {@code otherwise}. */
  static boolean bool(Map<String, List<String>> filters, String name, boolean otherwise) {
    List<String> values = filters.get(name);
    if (values == null) return otherwise;
    boolean isTrue = values.contains("true") || values.contains("1");
    boolean isFalse = values.contains("false") || values.contains("0");
    if (isTrue == isFalse) throw invalid(name, values);
    return isTrue;
  }
}
