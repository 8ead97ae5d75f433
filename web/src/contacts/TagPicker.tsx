import { type KeyboardEvent, useId, useState } from 'react';
import { useI18n } from '../i18n/i18n.js';
import { useTags } from './contacts.queries.js';
import { useDebouncedValue } from './useDebouncedValue.js';

type Option = { name: string; count: number | null };

const folded = (name: string) => name.trim().toLowerCase();

/**
 * Finds a workspace tag by typing part of its name (SPEC §2.1), or offers to create the typed
 * one. A combobox: arrow keys move through the suggestions, Enter picks, Escape closes.
 */
export function TagPicker(props: { label: string; exclude?: readonly string[]; allowCreate?: boolean; onPick: (name: string) => void }) {
  const { t } = useI18n();
  const id = useId();
  const [text, setText] = useState('');
  const [open, setOpen] = useState(false);
  const [active, setActive] = useState(0);
  const query = useDebouncedValue(text.trim(), 200);
  const tags = useTags(query, 10);

  const excluded = new Set((props.exclude ?? []).map(folded));
  const typed = text.trim();
  const options: Option[] = (tags.data ?? []).filter((tag) => !excluded.has(folded(tag.name))).map((tag) => ({ name: tag.name, count: tag.count }));
  const exists = options.some((option) => folded(option.name) === folded(typed)) || excluded.has(folded(typed));
  if (props.allowCreate && typed && !exists) options.push({ name: typed, count: null });
  const shown = open && options.length > 0;
  const current = Math.min(active, options.length - 1);

  function pick(option: Option | undefined) {
    if (!option) return;
    props.onPick(option.name);
    setText('');
    setActive(0);
  }

  function onKeyDown(event: KeyboardEvent<HTMLInputElement>) {
    if (event.key === 'ArrowDown' || event.key === 'ArrowUp') {
      event.preventDefault();
      setOpen(true);
      const step = event.key === 'ArrowDown' ? 1 : -1;
      setActive((current + step + options.length) % Math.max(options.length, 1));
    } else if (event.key === 'Enter') {
      event.preventDefault();
      if (shown) pick(options[current]);
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
