package dev.berth.daemon.server;

import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.QueryStringDecoder;
import java.io.InputStream;
import java.util.List;
import java.util.regex.Matcher;

/** One API call: the negotiated version, the route's captured groups, the query and the body. */
public record ApiRequest(String method, String path, String apiVersion, Matcher match, QueryStringDecoder query,
    HttpHeaders headers, InputStream body) {

  public String group(int i) {
    return match.group(i);
  }

  public String param(String name) {
    List<String> v = query.parameters().get(name);
    return v == null || v.isEmpty() ? null : v.get(0);
  }

  public List<String> params(String name) {
    return query.parameters().getOrDefault(name, List.of());
  }

  public boolean flag(String name) {
    String v = param(name);
    return v != null && (v.equals("1") || v.equalsIgnoreCase("true"));
  }
}
