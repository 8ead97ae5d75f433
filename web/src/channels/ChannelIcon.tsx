import type { ReactNode } from 'react';
import { siInstagram, siLine, siMessenger, siTelegram, siViber, siWechat, siWhatsapp, type SimpleIcon } from 'simple-icons';
import { channelTypeName } from '../contacts/contact-format.js';
import { useI18n } from '../i18n/i18n.js';

/** Providers' marks from Simple Icons (CC0), in their own colours. */
const brands: Record<string, SimpleIcon> = {
  whatsapp: siWhatsapp,
  messenger: siMessenger,
  instagram: siInstagram,
  telegram: siTelegram,
  line: siLine,
  viber: siViber,
  wechat: siWechat,
};

/** Channels that are not a brand get a plain line drawing. */
const drawings: Record<string, ReactNode> = {
  sms: <path d="M4 5h16v11H9l-5 4V5ZM8 9.5h8M8 12.5h5" />,
  email: <path d="M3 6h18v12H3V6Zm0 0 9 7 9-7" />,
  webchat: <path d="M4 4h16v12h-7l-5 4v-4H4V4Zm4 6h.01M12 10h.01M16 10h.01" />,
  api: <path d="m8 8-4 4 4 4M16 8l4 4-4 4M13.5 6l-3 12" />,
};
const unknown = <path d="M12 21a9 9 0 1 0 0-18 9 9 0 0 0 0 18Zm-4-9h8" />;

/**
 * A channel type's icon, decorative (the channel's name stands beside it). Keyed by type: a new
 * channel type shows its icon here, and an unknown one a neutral mark.
 */
export function ChannelIcon({ type, size = 14 }: { type: string; size?: number }) {
  const brand = brands[type];
  if (brand) {
    return (
      <svg className="channel-icon" viewBox="0 0 24 24" width={size} height={size} aria-hidden="true" fill={`#${brand.hex}`} data-channel-type={type}>
        <path d={brand.path} />
      </svg>
    );
  }
  return (
    <svg
      className="channel-icon"
      viewBox="0 0 24 24"
      width={size}
      height={size}
      aria-hidden="true"
      fill="none"
      stroke="currentColor"
      strokeWidth="2"
      strokeLinecap="round"
      strokeLinejoin="round"
      data-channel-type={type in drawings ? type : 'unknown'}
    >
      {drawings[type] ?? unknown}
    </svg>
  );
}

/** The channel a conversation runs on: its icon and its name in the workspace, the type spelled out for screen readers. */
export function ChannelLabel({ channel }: { channel: { type: string; name: string } }) {
  const { t } = useI18n();
  const typeName = channelTypeName(channel.type, t);
  return (
    <span className="channel-label" title={typeName === channel.name ? typeName : `${channel.name} · ${typeName}`}>
      <ChannelIcon type={channel.type} />
      <span className="channel-label-name">{channel.name}</span>
      {typeName !== channel.name && <span className="visually-hidden"> ({typeName})</span>}
    </span>
  );
}
