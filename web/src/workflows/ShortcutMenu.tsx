import { useState } from 'react';
import { api } from '../api.js';
import { MoreMenu } from '../contacts/MoreMenu.js';
import { useI18n } from '../i18n/i18n.js';
import { errorMessage } from '../ui/errors.js';
import { useShortcutWorkflows } from './workflows.queries.js';

/**
 * Menu items that start each published shortcut workflow for the contact, and the notice that
 * says it started (or why not). For the conversation's and the contact's menus.
 */
export function useShortcutItems(contactId: string | null | undefined) {
  const i18n = useI18n();
  const shortcuts = useShortcutWorkflows();
  const [notice, setNotice] = useState<{ ok: boolean; text: string }>();
  const items =
    contactId && shortcuts.data
      ? shortcuts.data.map((workflow) => ({
          label: i18n.t('workflows.shortcut.run', { name: workflow.name }),
          onSelect: () => {
            setNotice(undefined);
            api
              .post(`/api/v1/workflows/${workflow.id}/runs`, { contactId })
              .then(() => setNotice({ ok: true, text: i18n.t('workflows.shortcut.started', { name: workflow.name }) }))
              .catch((error: unknown) => setNotice({ ok: false, text: errorMessage(error, i18n) }));
          },
        }))
      : [];
  const noticeElement = notice ? (
    <p role={notice.ok ? 'status' : 'alert'} className={`alert ${notice.ok ? 'alert--success' : 'alert--error'} workflow-shortcut-notice`}>
      {notice.text}
    </p>
  ) : null;
  return { items, notice: noticeElement };
}

/** The conversation header's "Run a workflow" menu; nothing when the workspace has no published shortcut. */
export function WorkflowShortcutMenu({ contactId }: { contactId: string }) {
  const { t } = useI18n();
  const { items, notice } = useShortcutItems(contactId);
  if (items.length === 0 && !notice) return null;
  return (
    <>
      {items.length > 0 && <MoreMenu label={t('workflows.shortcut.menu')} items={items} />}
      {notice}
    </>
  );
}
