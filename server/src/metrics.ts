import client from 'prom-client';

/** Prometheus metrics for one server process. */
export interface Metrics {
  registry: client.Registry;
  httpDuration: client.Histogram<'method' | 'route' | 'status'>;
  eventsRelayed: client.Counter;
  relayBatches: client.Counter;
  sockets: client.Gauge;
  relayLag: client.Histogram;
}

export function createMetrics(): Metrics {
  const registry = new client.Registry();
  client.collectDefaultMetrics({ register: registry });
  return {
    registry,
    httpDuration: new client.Histogram({
      name: 'cityops_http_request_duration_seconds',
      help: 'HTTP request duration',
      labelNames: ['method', 'route', 'status'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers: [registry],
    }),
    eventsRelayed: new client.Counter({ name: 'cityops_events_relayed_total', help: 'Events emitted by the relay', registers: [registry] }),
    relayBatches: new client.Counter({ name: 'cityops_relay_batches_total', help: 'Relay flushes that emitted events', registers: [registry] }),
    sockets: new client.Gauge({ name: 'cityops_live_sockets', help: 'Connected /live sockets on this process', registers: [registry] }),
    relayLag: new client.Histogram({
      name: 'cityops_relay_lag_seconds',
      help: 'Time from an event being written to the relay emitting it',
      buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 5],
      registers: [registry],
    }),
  };
}
