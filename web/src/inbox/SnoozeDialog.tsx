import { useMutation } from '@tanstack/react-query';
import { type FormEvent, useState } from 'react';
import { useI18n } from '../i18n/i18n.js';
import type { MessageKey } from '../i18n/en.js';
import { Dialog } from '../ui/Dialog.js';
import { errorMessage } from '../ui/errors.js';
import { FormAlert, TextField } from '../ui/forms.js';
import { fullTime } from './time.js';

/** Presets in the user's local time: later today, tomorrow morning, next Monday morning. */
function presets(now: Date): Array<{ label: MessageKey; until: Date }> {
  const inHours = (hours: number) => new Date(now.getTime() + hours * 3600_000);
  const morningIn = (days: number) => {
    const date = new Date(now);
    date.setDate(date.getDate() + days);
    date.setHours(9, 0, 0, 0);
    return date;
  };
  const daysToMonday = ((8 - now.getDay()) % 7) || 7;
  return [
    { label: 'inbox.snooze.oneHour', until: inHours(1) },
    { label: 'inbox.snooze.threeHours', until: inHours(3) },
    { label: 'inbox.snooze.tomorrow', until: morningIn(1) },
    { label: 'inbox.snooze.nextWeek', until: morningIn(daysToMonday) },
  ];
}

/** `datetime-local` wants local time without a zone. */
function localInputValue(date: Date): string {
  const shifted = new Date(date.getTime() - date.getTimezoneOffset() * 60_000);
  return shifted.toISOString().slice(0, 16);
}

export function SnoozeDialog({ onSnooze, onClose }: { onSnooze: (until: Date) => Promise<unknown>; onClose: () => void }) {
  const i18n = useI18n();
  const { t, language } = i18n;
  const [now] = useState(() => new Date());
  const [custom, setCustom] = useState('');
  const [invalid, setInvalid] = useState(false);
  const snooze = useMutation({ mutationFn: onSnooze, onSuccess: onClose });

  function submitCustom(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const until = new Date(custom);
    const valid = !Number.isNaN(until.getTime()) && until.getTime() > Date.now();
    setInvalid(!valid);
    if (valid) snooze.mutate(until);
  }

  return (
    <Dialog title={t('inbox.snooze.title')} onClose={onClose}>
      <ul className="snooze-presets">
        {presets(now).map((preset) => (
          <li key={preset.label}>
            <button type="button" className="button button--block snooze-preset" disabled={snooze.isPending} onClick={() => snooze.mutate(preset.until)}>
              <span>{t(preset.label)}</span>
              <span className="muted">{fullTime(preset.until, language)}</span>
            </button>
          </li>
        ))}
      </ul>
      <form className="inline-form" onSubmit={submitCustom} noValidate>
        <TextField
          label={t('inbox.snooze.custom')}
          type="datetime-local"
          min={localInputValue(now)}
          value={custom}
          onChange={(event) => setCustom(event.target.value)}
          error={invalid ? t('inbox.snooze.invalid') : undefined}
          required
        />
        <button type="submit" className="button button--primary" disabled={snooze.isPending}>
          {t('inbox.action.snooze')}
        </button>
      </form>
      <FormAlert>{snooze.error ? errorMessage(snooze.error, i18n) : undefined}</FormAlert>
    </Dialog>
  );
}
