import client from 'prom-client';
import type { FlushTiming } from './live/relay.ts';

/** Prometheus metrics for one server process. */
export interface Metrics {
  registry: client.Registry;
  httpDuration: client.Histogram<'method' | 'route' | 'status'>;
  eventsRelayed: client.Counter;
  relayBatches: client.Counter;
  sockets: client.Gauge;
  relayLag: client.Histogram;
  relayRead: client.Histogram;
  leader: client.Gauge;
  slowConsumers: client.Counter;
  slowConsumerDisconnects: client.Counter;
  liveBacklogMax: client.Gauge;
  /** Board snapshot copies read whole or caught up from the events (see BoardSnapshots). */
  boardSnapshotRead: client.Histogram<'kind'>;
  boardSnapshotMadeAhead: client.Counter;
  /** Count one relay flush and observe its commit→emit lag and read time. */
  observeRelayBatch(events: number, timing: FlushTiming): void;
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
    eventsRelayed: new client.Counter({
      name: 'cityops_events_relayed_total',
      help: 'Events emitted by the relay',
      registers: [registry],
    }),
    relayBatches: new client.Counter({
      name: 'cityops_relay_batches_total',
      help: 'Relay flushes that emitted events',
      registers: [registry],
    }),
    sockets: new client.Gauge({
      name: 'cityops_live_sockets',
      help: 'Connected /live sockets on this process',
      registers: [registry],
    }),
    relayLag: new client.Histogram({
      name: 'cityops_relay_lag_seconds',
      help: 'Time from a commit being signalled to the relay emitting its events (batching included)',
      buckets: [0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 1, 5],
      registers: [registry],
    }),
    boardSnapshotMadeAhead: new client.Counter({
      name: 'cityops_board_snapshot_made_ahead_total',
      help: 'Gzipped board snapshots made again between requests, at a quiet moment, so the next board opened finds its answer ready',
      registers: [registry],
    }),
    boardSnapshotRead: new client.Histogram({
      name: 'cityops_board_snapshot_read_seconds',
      help: 'Time to bring an in-memory board snapshot up to date: read whole (kind=whole) or from the events since (kind=catch_up)',
      labelNames: ['kind'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [registry],
    }),
    relayRead: new client.Histogram({
      name: 'cityops_relay_read_seconds',
      help: 'Time the relay spends reading one batch from the events table (queueing on the database included)',
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.5],
      registers: [registry],
    }),
    leader: new client.Gauge({
      name: 'cityops_leader',
      help: '1 while this process runs the relay and the SLA clock',
      registers: [registry],
    }),
    slowConsumers: new client.Counter({
      name: 'cityops_slow_consumers_total',
      help: '/live sockets whose outgoing backlog passed LIVE_MAX_BACKLOG_BYTES: cut off from their rooms and told to resync',
      registers: [registry],
    }),
    slowConsumerDisconnects: new client.Counter({
      name: 'cityops_slow_consumer_disconnects_total',
      help: 'Slow /live sockets disconnected because they did not drain within LIVE_SLOW_CONSUMER_GRACE_MS',
      registers: [registry],
    }),
    liveBacklogMax: new client.Gauge({
      name: 'cityops_live_backlog_max_bytes',
      help: 'Largest outgoing backlog of any /live socket on this process at the last check',
      registers: [registry],
    }),
    observeRelayBatch(events, timing) {
      this.eventsRelayed.inc(events);
      this.relayBatches.inc();
      this.relayRead.observe((timing.emittedAt - timing.startedAt) / 1000);
      if (timing.pokedAt !== null)
        this.relayLag.observe((timing.emittedAt - timing.pokedAt) / 1000);
    },
  };
}
