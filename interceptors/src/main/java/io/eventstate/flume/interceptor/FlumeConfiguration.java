package io.eventstate.flume.interceptor;

import java.util.function.Supplier;

import org.apache.flume.conf.ConfigurationException;

import io.eventstate.core.config.ConfigException;

/**
 * The one place where a core configuration problem becomes Flume's: every Eventstate component (interceptors, the HTTP
 * handler, the sinks) parses its keys with a core spec inside {@link #parse}, so a {@link ConfigException} reaches
 * Flume as a {@link ConfigurationException} whose message names the component, the key, the value and the fix. Flume
 * then logs it and leaves the component out of the agent.
 */
public final class FlumeConfiguration {

  private FlumeConfiguration() {
  }

  /**
   * Runs {@code parse}.
   *
   * @param component how messages name the component, e.g. {@code TaggingInterceptor} or {@code EventSink 'hbase'}
   * @throws ConfigurationException for a {@link ConfigException}, named as a problem of {@code component}
   */
  public static <T> T parse(String component, Supplier<T> parse) {
    try {
      return parse.get();
    } catch (ConfigException e) {
      throw new ConfigurationException(e.in(component).getMessage(), e);
    }
  }
}
