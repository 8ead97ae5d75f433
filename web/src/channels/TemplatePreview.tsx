import { useId, useState } from 'react';
import { fillPlaceholders, type PlaceholderStyle, placeholdersOf } from '../../../src/messages/template.rules.js';
import { useI18n } from '../i18n/i18n.js';

/** An input for each placeholder of a template's text (`{{1}}`, `{{2}}`…), in order. */
export function TemplateParameters({ body, style, values, onChange }: { body: string; style: PlaceholderStyle; values: string[]; onChange: (values: string[]) => void }) {
  const { t } = useI18n();
  const id = useId();
  const placeholders = placeholdersOf(body, style);
  if (placeholders.length === 0) return null;
  return (
    <div className="template-parameters">
      {placeholders.map((placeholder, index) => (
        <div className="field" key={placeholder}>
          <label htmlFor={`${id}-${index}`}>{t('templates.parameter', { placeholder: `{{${placeholder}}}` })}</label>
          <input
            id={`${id}-${index}`}
            value={values[index] ?? ''}
            onChange={(event) => {
              const next = [...values];
              next[index] = event.target.value;
              onChange(next);
            }}
          />
        </div>
      ))}
    </div>
  );
}

/** The text the contact will read: placeholders filled with the values given so far. */
export function FilledTemplate({ body, style, values, label }: { body: string; style: PlaceholderStyle; values: string[]; label: string }) {
  // A value not given yet shows as its placeholder.
  const placeholders = placeholdersOf(body, style);
  const shown = placeholders.map((placeholder, index) => values[index] || `{{${placeholder}}}`);
  const filled = fillPlaceholders(body, style, style === 'numbered' ? shown : Object.fromEntries(placeholders.map((placeholder, index) => [placeholder, shown[index]!])));
  return (
    <figure className="template-filled">
      <figcaption className="muted">{label}</figcaption>
      <p className="template-preview" aria-label={label}>
        {filled}
      </p>
    </figure>
  );
}

/** Settings' preview: try values for the placeholders and see the filled text. */
export function TemplatePreview({ body, style }: { body: string; style: PlaceholderStyle }) {
  const { t } = useI18n();
  const [values, setValues] = useState<string[]>([]);
  if (body.trim() === '') return null;
  return (
    <section className="template-preview-section">
      <TemplateParameters body={body} style={style} values={values} onChange={setValues} />
      <FilledTemplate body={body} style={style} values={values} label={t('templates.preview')} />
    </section>
  );
}
