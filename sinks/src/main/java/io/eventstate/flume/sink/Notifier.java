package io.eventstate.flume.sink;

import java.util.ArrayList;
import java.util.List;
import java.util.Properties;

import org.apache.flume.Event;
import org.apache.flume.EventDeliveryException;
import org.apache.flume.api.RpcClient;
import org.apache.flume.api.RpcClientConfigurationConstants;
import org.apache.flume.api.RpcClientFactory;
import org.apache.flume.event.EventBuilder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.eventstate.core.state.Notification;
import io.eventstate.core.act.NotifySpec;

/**
 * Sends notifications to an Avro source with flume-ng-sdk's {@link RpcClient}. The client is created on first use
 * and thrown away after any failure (the next batch reconnects); a failure is an {@link EventDeliveryException},
 * which makes the sink roll its transaction back.
 */
final class Notifier implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(Notifier.class);

  private final NotifySpec spec;
  private final String sinkName;
  private RpcClient client;

  Notifier(NotifySpec spec, String sinkName) {
    this.spec = spec;
    this.sinkName = sinkName;
  }

  /** Sends all, in order, in chunks of {@code notify.batchSize}. */
  synchronized void send(List<Notification> notifications) throws EventDeliveryException {
    if (notifications.isEmpty()) {
      return;
    }
    try {
      RpcClient c = client();
      for (int i = 0; i < notifications.size(); i += spec.batchSize()) {
        List<Event> chunk = new ArrayList<>();
        for (Notification n : notifications.subList(i, Math.min(notifications.size(), i + spec.batchSize()))) {
          chunk.add(EventBuilder.withBody(n.body(), n.headers()));
        }
        c.appendBatch(chunk);
      }
    } catch (EventDeliveryException | RuntimeException e) {
      close();
      throw e instanceof EventDeliveryException ede ? ede
          : new EventDeliveryException("sink " + sinkName + ": cannot send notifications to " + spec.hostname() + ":"
              + spec.port() + ": " + e, e);
    }
  }

  private RpcClient client() {
    if (client == null || !client.isActive()) {
      if (client != null) {
        client.close();
      }
      Properties p = new Properties();
      p.setProperty(RpcClientConfigurationConstants.CONFIG_CLIENT_TYPE, "default");
      p.setProperty(RpcClientConfigurationConstants.CONFIG_HOSTS, "h1");
      p.setProperty(RpcClientConfigurationConstants.CONFIG_HOSTS_PREFIX + "h1", spec.hostname() + ":" + spec.port());
      p.setProperty(RpcClientConfigurationConstants.CONFIG_BATCH_SIZE, Integer.toString(spec.batchSize()));
      p.setProperty(RpcClientConfigurationConstants.CONFIG_CONNECT_TIMEOUT, Long.toString(spec.connectTimeoutMs()));
      p.setProperty(RpcClientConfigurationConstants.CONFIG_REQUEST_TIMEOUT, Long.toString(spec.requestTimeoutMs()));
      client = RpcClientFactory.getInstance(p);
      LOG.info("Sink {}: notifications go to {}:{}", sinkName, spec.hostname(), spec.port());
    }
    return client;
  }

  @Override
  public synchronized void close() {
    if (client != null) {
      try {
        client.close();
      } catch (RuntimeException e) {
        LOG.debug("Sink {}: closing the notification client: {}", sinkName, e.toString());
      }
      client = null;
    }
  }
}
