import type { Logger } from '../transports/gateway/logger.js';
import { movesChannel } from './key-layout.js';
import type { RedisClient } from './redis-connection.js';

/**
 * This incarnation's moves channel: another gateway's claim of one of our
 * client_ids publishes "generation client_id" here from inside its script.
 * A dedicated connection (a subscribed connection can issue nothing else).
 */
export class MoveListener {
  private channel: string | undefined;

  constructor(
    private readonly subscriber: RedisClient,
    private readonly log: Logger,
    onMoved: (clientId: string, generation: number) => void,
  ) {
    subscriber.on('message', (channel: string, message: string) => {
      if (channel !== this.channel) return;
      const space = message.indexOf(' ');
      onMoved(message.slice(space + 1), Number(message.slice(0, space)));
    });
  }

  async listen(incarnation: string): Promise<void> {
    const old = this.channel;
    this.channel = movesChannel(incarnation);
    await this.subscriber.subscribe(this.channel);
    if (old !== undefined) {
      this.subscriber.unsubscribe(old).catch((error: Error) => this.log.warn({ event: 'cluster_unsubscribe_failed', err: error.message }));
    }
  }
}
