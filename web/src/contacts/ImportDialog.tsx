import { useMutation } from '@tanstack/react-query';
import { type FormEvent, useState } from 'react';
import { defaultMapping, importableFields } from '../../../src/contacts/contact-csv.rules.js';
import { ApiError } from '../api.js';
import type { MessageKey } from '../i18n/en.js';
import { useI18n } from '../i18n/i18n.js';
import { Dialog } from '../ui/Dialog.js';
import { errorMessage } from '../ui/errors.js';
import { FormAlert } from '../ui/forms.js';
import { useCountText } from './contact-format.js';
import { type CustomField, type Job, startImport, useCustomFields } from './contacts.queries.js';
import { JobProgress } from './JobProgress.js';

type CsvPreview = { file: File; headers: string[]; samples: string[][] };
type ImportResult = { imported: number; refusedCount: number; refused: Array<{ row: number; reason: string }> };

/** Enough of the file for its header and a few example rows. */
const PREVIEW_BYTES = 64 * 1024;
const SAMPLE_ROWS = 3;

async function readPreview(file: File): Promise<CsvPreview> {
  const { parse } = await import('csv-parse/browser/esm/sync');
  const rows = parse(await file.slice(0, PREVIEW_BYTES).text(), {
    bom: true,
    to_line: SAMPLE_ROWS + 1,
    relax_column_count: true,
    relax_quotes: true,
    skip_empty_lines: true,
  });
  const [headers, ...samples] = rows;
  if (!headers?.length) throw new Error('empty');
  return { file, headers, samples };
}

/** Import contacts from CSV (SPEC §2.4): choose the file, map its columns, then follow the job to its report. */
export function ImportDialog({ onClose }: { onClose: () => void }) {
  const { t } = useI18n();
  const [preview, setPreview] = useState<CsvPreview | null>(null);
  const [job, setJob] = useState<Job | null>(null);
  // Loaded while the file is chosen, so the mapping step can offer the custom fields at once.
  useCustomFields();

  return (
    <Dialog title={t('contacts.import.title')} onClose={onClose}>
      {job ? (
        <>
          <JobProgress jobId={job.id} label={t('contacts.import.title')}>
            {(finished) => <ImportReport result={finished.result as ImportResult} />}
          </JobProgress>
          <div className="dialog-actions">
            <button type="button" className="button" onClick={onClose}>
              {t('action.close')}
            </button>
          </div>
        </>
      ) : preview ? (
        <ColumnMapping preview={preview} onBack={() => setPreview(null)} onStarted={setJob} />
      ) : (
        <ChooseFile onRead={setPreview} onClose={onClose} />
      )}
    </Dialog>
  );
}

function ChooseFile({ onRead, onClose }: { onRead: (preview: CsvPreview) => void; onClose: () => void }) {
  const { t } = useI18n();
  const [unreadable, setUnreadable] = useState(false);

  async function choose(file: File | undefined) {
    if (!file) return;
    setUnreadable(false);
    try {
      onRead(await readPreview(file));
    } catch {
      setUnreadable(true);
    }
  }

  return (
    <div className="import-step">
      <p>{t('contacts.import.intro')}</p>
      <div className="field">
        <label htmlFor="import-file">{t('contacts.import.file')}</label>
        <input id="import-file" type="file" accept=".csv,text/csv" onChange={(event) => void choose(event.target.files?.[0])} />
      </div>
      <FormAlert>{unreadable ? t('contacts.import.unreadable') : undefined}</FormAlert>
      <div className="dialog-actions">
        <button type="button" className="button" onClick={onClose}>
          {t('action.cancel')}
        </button>
      </div>
    </div>
  );
}

const standardFieldLabels: Record<(typeof importableFields)[number], MessageKey> = {
  firstName: 'contacts.field.firstName',
  lastName: 'contacts.field.lastName',
  email: 'contacts.field.email',
  phone: 'contacts.field.phone',
  country: 'contacts.field.country',
  language: 'contacts.field.language',
  tags: 'contacts.field.tags',
};

function ColumnMapping({ preview, onBack, onStarted }: { preview: CsvPreview; onBack: () => void; onStarted: (job: Job) => void }) {
  const i18n = useI18n();
  const { t } = i18n;
  const fields = useCustomFields();
  const [mapping, setMapping] = useState(() => suggestedMapping(preview.headers, fields.data ?? []));
  const start = useMutation({ mutationFn: () => startImport(preview.file, mapping), onSuccess: onStarted });
  const targets = Object.values(mapping);
  const doubled = targets.find((target, index) => targets.indexOf(target) !== index);
  const problem = targets.length === 0 ? t('contacts.import.nothingMapped') : doubled ? t('contacts.import.doubled', { field: fieldLabel(doubled, fields.data ?? [], t) }) : undefined;

  function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    if (!problem) start.mutate();
  }

  return (
    <form className="import-mapping" onSubmit={submit} noValidate>
      <p>{t('contacts.import.mappingIntro', { file: preview.file.name })}</p>
      <div className="import-table-wrap">
        <table className="table import-table">
          <thead>
            <tr>
              <th scope="col">{t('contacts.import.column')}</th>
              <th scope="col">{t('contacts.import.examples')}</th>
              <th scope="col">{t('contacts.import.target')}</th>
            </tr>
          </thead>
          <tbody>
            {preview.headers.map((header, index) => (
              <tr key={`${index}-${header}`}>
                <th scope="row">{header}</th>
                <td className="import-examples">
                  {preview.samples
                    .map((row) => row[index] ?? '')
                    .filter(Boolean)
                    .join(' · ')}
                </td>
                <td>
                  <select
                    aria-label={t('contacts.import.targetOf', { column: header })}
                    value={mapping[header] ?? ''}
                    onChange={(event) => {
                      const { [header]: _previous, ...rest } = mapping;
                      setMapping(event.target.value ? { ...rest, [header]: event.target.value } : rest);
                    }}
                  >
                    <option value="">{t('contacts.import.skip')}</option>
                    <optgroup label={t('contacts.import.standardFields')}>
                      {importableFields.map((field) => (
                        <option key={field} value={field}>
                          {t(standardFieldLabels[field])}
                        </option>
                      ))}
                    </optgroup>
                    {fields.data && fields.data.length > 0 && (
                      <optgroup label={t('contacts.import.customFields')}>
                        {fields.data.map((field) => (
                          <option key={field.key} value={`cf.${field.key}`}>
                            {field.label}
                          </option>
                        ))}
                      </optgroup>
                    )}
                  </select>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <FormAlert>{problem ?? (start.error ? importError(start.error, i18n) : undefined)}</FormAlert>
      <div className="dialog-actions">
        <button type="button" className="button" onClick={onBack}>
          {t('contacts.import.back')}
        </button>
        <button type="submit" className="button button--primary" disabled={Boolean(problem) || start.isPending}>
          {t('contacts.import.start')}
        </button>
      </div>
    </form>
  );
}

/** The API's own guess (field names and common aliases), then custom fields named by their label. */
function suggestedMapping(headers: string[], fields: CustomField[]): Record<string, string> {
  const mapping: Record<string, string> = defaultMapping(headers, new Set(fields.map((field) => field.key)));
  for (const header of headers) {
    const name = header.trim().toLowerCase();
    const field = fields.find((each) => each.label.toLowerCase() === name || each.key.toLowerCase() === name);
    if (!mapping[header] && field && !Object.values(mapping).includes(`cf.${field.key}`)) mapping[header] = `cf.${field.key}`;
  }
  return mapping;
}

function fieldLabel(target: string, fields: CustomField[], t: (key: MessageKey) => string): string {
  if (target.startsWith('cf.')) return fields.find((field) => `cf.${field.key}` === target)?.label ?? target;
  return t(standardFieldLabels[target as keyof typeof standardFieldLabels]);
}

/** A refused mapping names a CSV column, not a form field: the server's words say which. */
function importError(error: unknown, i18n: ReturnType<typeof useI18n>): string {
  if (error instanceof ApiError && error.field?.startsWith('mapping')) return error.message;
  return errorMessage(error, i18n);
}

function ImportReport({ result }: { result: ImportResult }) {
  const { t } = useI18n();
  const counted = useCountText();
  return (
    <div className="import-report">
      <p role="status" className="alert alert--success">
        {counted('contacts.import.imported', result.imported)}
      </p>
      {result.refusedCount > 0 && (
        <>
          <h3>{counted('contacts.import.refused', result.refusedCount)}</h3>
          <div className="import-table-wrap">
            <table className="table import-table">
              <thead>
                <tr>
                  <th scope="col">{t('contacts.import.row')}</th>
                  <th scope="col">{t('contacts.import.reason')}</th>
                </tr>
              </thead>
              <tbody>
                {result.refused.map((refusal) => (
                  <tr key={refusal.row}>
                    <td>{refusal.row}</td>
                    <td>{refusal.reason}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          {result.refusedCount > result.refused.length && <p className="muted">{counted('contacts.import.moreRefused', result.refusedCount - result.refused.length)}</p>}
        </>
      )}
    </div>
  );
}
