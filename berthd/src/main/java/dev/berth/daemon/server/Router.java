package dev.berth.daemon.server;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Routes (method, path pattern) to handlers; every component registers its routes here. */
public final class Router {
  /** A route's work. */
  @FunctionalInterface
  public interface Handler {
    ApiResponse handle(ApiRequest request) throws Exception;
  }

  private record Route(String method, Pattern pattern, Handler handler) {}

  private final List<Route> routes = new ArrayList<>();

  public Router add(String method, String regex, Handler handler) {
    routes.add(new Route(method, Pattern.compile("^" + regex + "$"), handler));
    return this;
  }

  /** The handler for the request and the match of its path, or null. */
  public Map.Entry<Handler, Matcher> find(String method, String path) {
    for (Route r : routes) {
      Matcher m = r.pattern().matcher(path);
      if ((r.method().equals(method) || (method.equals("HEAD") && r.method().equals("GET"))) && m.matches()) {
        return Map.entry(r.handler(), m);
      }
    }
    return null;
  }
}
