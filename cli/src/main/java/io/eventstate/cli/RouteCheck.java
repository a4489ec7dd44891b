package io.eventstate.cli;

import io.eventstate.core.event.EventHeaders;
import io.eventstate.core.act.TaggingSpec;
import io.eventstate.flume.agent.AgentFile;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;

/**
 * Every route an Eventstate stage can give an event ({@code es.route}: a tagging rule's {@code route} or
 * {@code gate}, the state decorator's {@code gateRoute}) must be mapped by the source's multiplexing selector on
 * {@code es.route}: an unmapped value sends the event to the selector's default channel (usually the dead-letter
 * channel) with no reason attached, which looks like a bad event. Checked before anything starts.
 */
final class RouteCheck {

  private RouteCheck() {
  }

  /** One line per unmapped route: the key that sets it, its value and the selector key to add. */
  static List<String> unmapped(Properties p, String agent) {
    List<String> problems = new ArrayList<>();
    AgentFile file = AgentFile.of(p, "agent");
    for (String s : file.components(agent, "sources")) {
      String base = agent + ".sources." + s;
      String selector = trim(p.getProperty(base + ".selector.type"));
      if (!("multiplexing".equals(selector) || "io.eventstate.flume.interceptor.RouteSelector".equals(selector))
          || !EventHeaders.ROUTE.equals(trim(p.getProperty(base + ".selector.header")))) {
        continue;
      }
      for (String i : file.components(base, "interceptors")) {
        String ib = base + ".interceptors." + i;
        String type = trim(p.getProperty(ib + ".type"));
        Map<String, String> routes = new LinkedHashMap<>();
        if (AgentRun.TAGGING.equals(type)) {
          for (String r : file.components(ib, TaggingSpec.CONFIG_RULES)) {
            for (String k : List.of(TaggingSpec.RULE_ROUTE, TaggingSpec.RULE_GATE)) {
              String key = ib + "." + TaggingSpec.CONFIG_RULES + "." + r + "." + k;
              if (p.getProperty(key) != null) {
                routes.put(key, trim(p.getProperty(key)));
              }
            }
          }
        } else if (AgentRun.STATE_DECORATOR.equals(type) && "gate".equals(trim(p.getProperty(ib + ".onError")))) {
          routes.put(ib + ".gateRoute", p.getProperty(ib + ".gateRoute") == null ? "gated"
              : trim(p.getProperty(ib + ".gateRoute")));
        }
        routes.forEach((key, route) -> {
          if (p.getProperty(base + ".selector.mapping." + route) == null) {
            problems.add(key + " = " + route + " is not mapped by the selector of source " + s + ": such events "
                + "would reach its default channel with no reason; add " + base + ".selector.mapping." + route
                + " = CHANNEL");
          }
        });
      }
    }
    return problems;
  }

  private static String trim(String v) {
    return v == null ? null : v.trim();
  }
}
