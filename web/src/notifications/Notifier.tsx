import { useQueryClient } from '@tanstack/react-query';
import { useEffect, useRef } from 'react';
import { useNavigate } from 'react-router-dom';
import { seesEveryConversation } from '../../../src/conversations/conversation-visibility.rules.js';
import { useI18n } from '../i18n/i18n.js';
import { subscribeToEvents } from '../realtime/realtime.js';
import { useSession } from '../session/session.js';
import type { User } from '../workspace/workspace.queries.js';
import { type Notice, noticeOf } from './notification-rules.js';
import { useNotificationSettings } from './notifications.queries.js';

/** A short two-note chime made on the spot (WebAudio): no file to load, nothing to serve. */
export function chime() {
  const AudioContextClass = window.AudioContext ?? (window as unknown as { webkitAudioContext?: typeof AudioContext }).webkitAudioContext;
  if (!AudioContextClass) return;
  const audio = new AudioContextClass();
  const gain = audio.createGain();
  gain.connect(audio.destination);
  gain.gain.setValueAtTime(0.15, audio.currentTime);
  gain.gain.exponentialRampToValueAtTime(0.001, audio.currentTime + 0.35);
  for (const [frequency, start] of [
    [880, 0],
    [1320, 0.12],
  ] as const) {
    const tone = audio.createOscillator();
    tone.frequency.value = frequency;
    tone.connect(gain);
    tone.start(audio.currentTime + start);
    tone.stop(audio.currentTime + start + 0.2);
  }
  setTimeout(() => void audio.close(), 1000);
}

/** The conversation in front of the user: open in this tab, and the tab has the focus. */
function watching(): string | null {
  if (document.visibilityState !== 'visible' || !document.hasFocus()) return null;
  return /^\/inbox\/[^/]+\/([0-9a-f-]{36})/.exec(location.pathname)?.[1] ?? null;
}

/**
 * Desktop notifications (and a chime) for what the user asked to hear of, while the app is open
 * in any tab. The browser's permission is asked when the user turns them on (settings dialog).
 */
export function Notifier() {
  const { t } = useI18n();
  const { user, teamIds, workspace } = useSession();
  const settings = useNotificationSettings().data;
  const queryClient = useQueryClient();
  const navigate = useNavigate();
  const seen = useRef(new Map<string, string>());
  const listeningSince = useRef(Date.now());

  useEffect(() => {
    if (!settings?.desktop && !settings?.sound) return;
    return subscribeToEvents((event) => {
      const notice = noticeOf(event, {
        userId: user.id,
        teamIds,
        settings,
        watching: watching(),
        listeningSince: listeningSince.current,
        seen: seen.current,
        userName: (id) => queryClient.getQueryData<User[]>(['users'])?.find((each) => each.id === id)?.name ?? null,
      });
      if (!notice) return;
      if (settings.sound) chime();
      if (settings.desktop && 'Notification' in window && Notification.permission === 'granted') show(notice);
    });

    function show(notice: Notice) {
      const who = notice.who ?? t('inbox.unknownContact');
      const title = t(`notifications.title.${notice.kind}`, { name: who });
      const notification = new Notification(title, { body: notice.text, tag: `${notice.kind}-${notice.conversationId}` });
      notification.onclick = () => {
        window.focus();
        // Any inbox opens the conversation; All where the user has it.
        const view = seesEveryConversation({ role: user.role, agentsSeeAll: workspace.settings.agentsSeeAll }) ? 'all' : 'mine';
        navigate(`/inbox/${view}/${notice.conversationId}`);
        notification.close();
      };
    }
  }, [settings, user, teamIds, workspace, queryClient, navigate, t]);

  return null;
}
