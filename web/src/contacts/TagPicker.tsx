import { useQueryClient } from '@tanstack/react-query';
import { type KeyboardEvent, useId, useState } from 'react';
import { useI18n } from '../i18n/i18n.js';
import { type Tag, tagsQuery, useTags } from './contacts.queries.js';
import { useDebouncedValue } from './useDebouncedValue.js';

type Option = { name: string; count: number | null };

const folded = (name: string) => name.trim().toLowerCase();
const SUGGESTIONS = 10;

/** The suggestions for what is typed: matching tags not yet chosen, then (when allowed) creating the typed one. */
function optionsFor(tags: Tag[], typed: string, excluded: ReadonlySet<string>, allowCreate: boolean): Option[] {
  const options: Option[] = tags.filter((tag) => !excluded.has(folded(tag.name))).map((tag) => ({ name: tag.name, count: tag.count }));
  const exists = options.some((option) => folded(option.name) === folded(typed)) || excluded.has(folded(typed));
  if (allowCreate && typed && !exists) options.push({ name: typed, count: null });
  return options;
}

/**
 * Finds a workspace tag by typing part of its name (SPEC §2.1), or offers to create the typed
 * one. A combobox: arrow keys move through the suggestions, Enter picks, Escape closes.
 * Enter never takes a suggestion made for an earlier text: typed faster than the suggestions
 * follow, it asks for those of the text as it is now and takes the first.
 */
export function TagPicker(props: { label: string; exclude?: readonly string[]; allowCreate?: boolean; onPick: (name: string) => void }) {
  const { t } = useI18n();
  const id = useId();
  const queryClient = useQueryClient();
  const [text, setText] = useState('');
  const [open, setOpen] = useState(false);
  const [active, setActive] = useState(0);
  const [picking, setPicking] = useState(false);
  const typed = text.trim();
  const query = useDebouncedValue(typed, 200);
  const tags = useTags(query, SUGGESTIONS);
  const fresh = query === typed && tags.isSuccess && !tags.isPlaceholderData;

  const excluded = new Set((props.exclude ?? []).map(folded));
  const options = optionsFor(tags.data ?? [], typed, excluded, props.allowCreate === true);
  const shown = open && options.length > 0;
  const current = Math.min(active, options.length - 1);

  function pick(option: Option | undefined) {
    if (!option) return;
    props.onPick(option.name);
    setText('');
    setActive(0);
    // Closed once chosen, so the list covers neither the chosen tags nor the buttons below.
    setOpen(false);
  }

  async function pickForTyped() {
    setPicking(true);
    try {
      const now = await queryClient.fetchQuery(tagsQuery(typed, SUGGESTIONS));
      pick(optionsFor(now, typed, excluded, props.allowCreate === true)[0]);
    } finally {
      setPicking(false);
    }
  }

  function onKeyDown(event: KeyboardEvent<HTMLInputElement>) {
    if (event.key === 'ArrowDown' || event.key === 'ArrowUp') {
      event.preventDefault();
      setOpen(true);
      const step = event.key === 'ArrowDown' ? 1 : -1;
      setActive((current + step + options.length) % Math.max(options.length, 1));
    } else if (event.key === 'Enter') {
      event.preventDefault();
      if (picking) return;
      if (fresh) {
        if (shown || typed) pick(options[current]);
      } else if (typed) {
        void pickForTyped();
      }
    } else if (event.key === 'Escape' && shown) {
      // Closes the suggestions only, not the dialog around the picker.
      event.preventDefault();
      event.stopPropagation();
      setOpen(false);
    }
  }

  return (
    <div className="field tag-picker">
      <label htmlFor={`${id}-input`}>{props.label}</label>
      <input
        id={`${id}-input`}
        role="combobox"
        autoComplete="off"
        aria-autocomplete="list"
        aria-expanded={shown}
        aria-controls={`${id}-options`}
        aria-activedescendant={shown ? `${id}-option-${current}` : undefined}
        aria-busy={picking || undefined}
        placeholder={t(props.allowCreate ? 'contacts.tags.searchOrCreate' : 'contacts.tags.search')}
        value={text}
        onChange={(event) => {
          setText(event.target.value);
          setActive(0);
          setOpen(true);
        }}
        onFocus={() => setOpen(true)}
        onBlur={() => setOpen(false)}
        onKeyDown={onKeyDown}
      />
      <ul id={`${id}-options`} role="listbox" className="tag-options" aria-label={props.label} hidden={!shown}>
        {options.map((option, index) => (
          <li
            key={`${option.count === null ? 'new' : 'tag'}-${option.name}`}
            id={`${id}-option-${index}`}
            role="option"
            aria-selected={index === current}
            className="tag-option"
            // mousedown, not click: the input keeps its focus, so the list does not close first.
            onMouseDown={(event) => {
              event.preventDefault();
              pick(option);
            }}
          >
            {option.count === null ? (
              t('contacts.tags.create', { name: option.name })
            ) : (
              <>
                <span>{option.name}</span>
                <span className="muted">{option.count}</span>
              </>
            )}
          </li>
        ))}
      </ul>
    </div>
  );
}
