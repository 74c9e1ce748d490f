package dev.berth.images.importer;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.berth.common.error.InvalidArgument;
import java.util.List;
import java.util.Locale;

/**
 * The Dockerfile instructions `docker import --change` and `docker commit --change` accept, applied
 * to an image config's {@code config} object: CMD, ENTRYPOINT, ENV, EXPOSE, LABEL, ONBUILD, STOPSIGNAL,
 * USER, VOLUME, WORKDIR.
 */
public final class ConfigChanges {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final List<String> ALLOWED =
      List.of("CMD", "ENTRYPOINT", "ENV", "EXPOSE", "LABEL", "ONBUILD", "STOPSIGNAL", "USER", "VOLUME", "WORKDIR");

  private ConfigChanges() {}

  public static void apply(ObjectNode config, List<String> changes) {
    for (String change : changes) {
      String line = change.strip();
      int space = line.indexOf(' ');
      String op = (space < 0 ? line : line.substring(0, space)).toUpperCase(Locale.ROOT);
      String arg = space < 0 ? "" : line.substring(space + 1).strip();
      if (!ALLOWED.contains(op)) {
        throw new InvalidArgument(op + " is not a valid change command");
      }
      if (arg.isEmpty()) {
        throw new InvalidArgument(op + " requires at least one argument");
      }
      switch (op) {
        case "CMD" -> config.set("Cmd", command(arg));
        case "ENTRYPOINT" -> config.set("Entrypoint", command(arg));
        case "ENV" -> keyValues(arg, op).forEach(kv -> env(config, kv));
        case "LABEL" -> keyValues(arg, op).forEach(kv -> labels(config).put(kv[0], kv[1]));
        case "EXPOSE" -> {
          for (String port : arg.split("\\s+")) {
            config.withObject("ExposedPorts").putObject(port.contains("/") ? port : port + "/tcp");
          }
        }
        case "VOLUME" -> {
          for (JsonText v : list(arg)) {
            config.withObject("Volumes").putObject(v.text());
          }
        }
        case "ONBUILD" -> config.withArray("OnBuild").add(arg);
        case "STOPSIGNAL" -> config.put("StopSignal", arg);
        case "USER" -> config.put("User", arg);
        case "WORKDIR" -> config.put("WorkingDir", arg);
        default -> throw new IllegalStateException(op);
      }
    }
  }

  private record JsonText(String text) {}

  /** Exec form (a JSON array) as given; shell form becomes ["/bin/sh", "-c", text], as Docker does. */
  private static ArrayNode command(String arg) {
    ArrayNode a = JSON.createArrayNode();
    if (arg.startsWith("[")) {
      try {
        for (var n : JSON.readTree(arg)) {
          if (!n.isTextual()) {
            throw new InvalidArgument("exec form must be an array of strings: " + arg);
          }
          a.add(n.asText());
        }
        return a;
      } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
        // not JSON after all: shell form, like Docker
      }
    }
    return a.add("/bin/sh").add("-c").add(arg);
  }

  private static List<JsonText> list(String arg) {
    if (arg.startsWith("[")) {
      try {
        return java.util.stream.StreamSupport.stream(JSON.readTree(arg).spliterator(), false)
            .map(n -> new JsonText(n.asText())).toList();
      } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
        // shell form
      }
    }
    return java.util.Arrays.stream(arg.split("\\s+")).map(JsonText::new).toList();
  }

  /** KEY=VALUE pairs (values may be double-quoted), or the legacy "KEY VALUE" form. */
  static List<String[]> keyValues(String arg, String op) {
    if (!arg.contains("=") || arg.indexOf(' ') >= 0 && arg.indexOf(' ') < arg.indexOf('=')) {
      int sp = arg.indexOf(' ');
      if (sp < 0) {
        throw new InvalidArgument(op + " needs KEY=VALUE or KEY VALUE: " + arg);
      }
      List<String[]> single = new java.util.ArrayList<>();
      single.add(new String[] {arg.substring(0, sp), arg.substring(sp + 1).strip()});
      return single;
    }
    List<String[]> pairs = new java.util.ArrayList<>();
    StringBuilder token = new StringBuilder();
    boolean quoted = false;
    for (int i = 0; i <= arg.length(); i++) {
      char c = i < arg.length() ? arg.charAt(i) : ' ';
      if (c == '"') {
        quoted = !quoted;
      } else if (c == '\\' && i + 1 < arg.length()) {
        token.append(arg.charAt(++i));
      } else if (Character.isWhitespace(c) && !quoted) {
        if (!token.isEmpty()) {
          String t = token.toString();
          int eq = t.indexOf('=');
          if (eq <= 0) {
            throw new InvalidArgument(op + " needs KEY=VALUE pairs: " + arg);
          }
          pairs.add(new String[] {t.substring(0, eq), t.substring(eq + 1)});
          token.setLength(0);
        }
      } else {
        token.append(c);
      }
    }
    if (quoted) {
      throw new InvalidArgument(op + ": unbalanced quotes in " + arg);
    }
    return pairs;
  }

  private static void env(ObjectNode config, String[] kv) {
    ArrayNode env = config.withArray("Env");
    for (int i = 0; i < env.size(); i++) {
      if (env.get(i).asText().startsWith(kv[0] + "=")) {
        env.remove(i);
        break;
      }
    }
    env.add(kv[0] + "=" + kv[1]);
  }

  private static ObjectNode labels(ObjectNode config) {
    return config.withObject("Labels");
  }
}
