import { FlowTable, type ChannelFlows, type ConnectorRegistry, type DebitQuery, type DebitSubmit, type FlowLookup, type PayoutSubmit, type StatementSource } from '../core/index.js';
import type { ChannelRow } from './ports.js';

/** What a connector is built from: the channel's id and its configured endpoint. */
export type ChannelEndpoint = Pick<ChannelRow, 'id' | 'endpoint'>;

/**
 * Builds the connector of one channel from its configuration. Given by the composition root
 * (src/main.ts), the only place that picks adapters: the app never learns a URL.
 */
export type ConnectorFactory = (channel: ChannelEndpoint) => ChannelFlows;

/**
 * The connectors of the configured channels, looked up by channel and flow. Rebuilt from the
 * channel rows whenever the router cache reloads them (so that a channel added by this or
 * another process gets its connector as it gets routed to); a channel whose endpoint did not
 * change keeps its connector.
 */
export class ChannelConnectors implements ConnectorRegistry {
  #table = new FlowTable(new Map());
  #built = new Map<string, { endpoint: string; flows: ChannelFlows }>();

  constructor(private readonly build: ConnectorFactory) {}

  load(channels: readonly ChannelEndpoint[]): void {
    const built = new Map<string, { endpoint: string; flows: ChannelFlows }>();
    for (const channel of channels) {
      const kept = this.#built.get(channel.id);
      built.set(channel.id, kept !== undefined && kept.endpoint === channel.endpoint ? kept : { endpoint: channel.endpoint, flows: this.build(channel) });
    }
    this.#built = built;
    this.#table = new FlowTable(new Map([...built].map(([id, { flows }]) => [id, flows])));
  }

  debitSubmit(channelId: string): FlowLookup<DebitSubmit> {
    return this.#table.debitSubmit(channelId);
  }

  debitQuery(channelId: string): FlowLookup<DebitQuery> {
    return this.#table.debitQuery(channelId);
  }

  payoutSubmit(channelId: string): FlowLookup<PayoutSubmit> {
    return this.#table.payoutSubmit(channelId);
  }

  statementSource(channelId: string): FlowLookup<StatementSource> {
    return this.#table.statementSource(channelId);
  }
}
