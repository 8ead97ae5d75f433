import { apiChannel } from './api/api.channel.js';
import type { ChannelModule } from './channel-registry.js';

/** Every channel type this server speaks. Provider channels join this list as they are built. */
export const channelModules: ChannelModule[] = [apiChannel];
