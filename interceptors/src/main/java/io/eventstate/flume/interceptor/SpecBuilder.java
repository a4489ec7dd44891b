package io.eventstate.flume.interceptor;

import java.util.function.Function;

import org.apache.flume.Context;
import org.apache.flume.interceptor.Interceptor;

/**
 * What the Eventstate interceptors' Flume builders share: {@code configure} parses and validates the component's
 * whole configuration (a bad key fails there, as Flume's {@code ConfigurationException} naming key, value and fix);
 * {@code build} cannot fail once configured.
 *
 * @param <T> what configuring produces
 */
public abstract class SpecBuilder<T> implements Interceptor.Builder {

  private final String component;
  private final Function<Context, T> parse;
  private final Function<T, Interceptor> build;
  private T configured;

  /**
   * @param component the interceptor's class name, for messages
   * @param parse     parses the component's parameters
   * @param build     builds the interceptor from what {@code parse} returned
   */
  protected SpecBuilder(String component, Function<Context, T> parse, Function<T, Interceptor> build) {
    this.component = component;
    this.parse = parse;
    this.build = build;
  }

  @Override
  public final void configure(Context context) {
    configured = FlumeConfiguration.parse(component, () -> parse.apply(context));
  }

  @Override
  public final Interceptor build() {
    if (configured == null) {
      throw new IllegalStateException(component + ".Builder.configure(Context) was not called");
    }
    return build.apply(configured);
  }
}
