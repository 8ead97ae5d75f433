import { apiChannel } from './api/api.channel.js';
import type { ChannelModule } from './channel-registry.js';
import { emailChannel } from './email/email.channel.js';
import { instagramChannel } from './instagram/instagram.channel.js';
import { messengerChannel } from './messenger/messenger.channel.js';
import { webchatChannel } from './webchat/webchat.channel.js';
import { whatsappChannel } from './whatsapp/whatsapp.channel.js';
import { telegramChannel } from './telegram/telegram.channel.js';
import { lineChannel } from './line/line.channel.js';
import { viberChannel } from './viber/viber.channel.js';
import { wechatChannel } from './wechat/wechat.channel.js';
import { smsChannel } from './sms/sms.channel.js';

/** Every channel type this server speaks, in the order Settings offers them. A provider joins by adding its module here. */
export const channelModules: ChannelModule[] = [
  whatsappChannel,
  messengerChannel,
  instagramChannel,
  apiChannel,
  telegramChannel,
  lineChannel,
  viberChannel,
  wechatChannel,
  smsChannel,
  emailChannel,
  webchatChannel,
];
