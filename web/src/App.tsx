import { Navigate, Route, Routes } from 'react-router-dom';
import { SpamReviewPage } from './blocking/SpamReviewPage.js';
import { SpamSettings } from './blocking/SpamSettings.js';
import { ChannelsSettings } from './channels/ChannelsSettings.js';
import { TemplatesSettings } from './channels/TemplatesSettings.js';
import { ContactsPage } from './contacts/ContactsPage.js';
import { DashboardPage } from './dashboard/DashboardPage.js';
import { I18nProvider, resolveLanguage, useI18n } from './i18n/i18n.js';
import { InboxPage } from './inbox/InboxPage.js';
import { AppLayout } from './layout/AppLayout.js';
import { MergeHistoryPage } from './merging/MergeHistoryPage.js';
import { NotFound } from './layout/NotFound.js';
import { RequirePermission } from './layout/RequirePermission.js';
import { RealtimeProvider } from './realtime/realtime.js';
import { LoginPage } from './session/LoginPage.js';
import { useMeQuery, useSetupStatus } from './session/session.js';
import { SetupPage } from './session/SetupPage.js';
import { ContactFieldsSettings } from './settings/ContactFieldsSettings.js';
import { SavedRepliesSettings } from './settings/SavedRepliesSettings.js';
import { SettingsPage } from './settings/SettingsPage.js';
import { TagsSettings } from './settings/TagsSettings.js';
import { UsagePage } from './usage/UsagePage.js';
import { UsersAndTeamsSettings } from './settings/UsersAndTeamsSettings.js';
import { WorkspaceSettings } from './settings/WorkspaceSettings.js';
import { errorMessage } from './ui/errors.js';

export function App() {
  const setup = useSetupStatus();
  const me = useMeQuery({ enabled: setup.data?.setUp === true });
  return (
    <I18nProvider language={resolveLanguage(me.data?.user.language)}>
      <CurrentScreen setup={setup} me={me} />
    </I18nProvider>
  );
}

/** First run, login, or the app, depending on the installation and the session. */
function CurrentScreen({ setup, me }: { setup: ReturnType<typeof useSetupStatus>; me: ReturnType<typeof useMeQuery> }) {
  const error = setup.error ?? me.error;
  if (error) return <LoadFailed error={error} />;
  if (setup.data?.setUp === false) return <SetupPage />;
  if (me.data === null) return <LoginPage />;
  if (!me.data) return <p className="loading" aria-busy="true" />;
  return (
    <RealtimeProvider>
      <SignedInRoutes />
    </RealtimeProvider>
  );
}

function SignedInRoutes() {
  return (
    <Routes>
      <Route element={<AppLayout />}>
        <Route index element={<Navigate to="/inbox" replace />} />
        <Route path="inbox/*" element={<InboxPage />} />
        <Route
          path="contacts/merges"
          element={
            <RequirePermission action="contacts.module">
              <MergeHistoryPage />
            </RequirePermission>
          }
        />
        <Route
          path="contacts/*"
          element={
            <RequirePermission action="contacts.module">
              <ContactsPage />
            </RequirePermission>
          }
        />
        <Route
          path="spam-review"
          element={
            <RequirePermission action="contacts.module">
              <SpamReviewPage />
            </RequirePermission>
          }
        />
        <Route path="dashboard" element={<DashboardPage />} />
        <Route
          path="usage"
          element={
            <RequirePermission action="usage.view">
              <UsagePage />
            </RequirePermission>
          }
        />
        <Route
          path="settings"
          element={
            <RequirePermission action="workspace.manage">
              <SettingsPage />
            </RequirePermission>
          }
        >
          <Route index element={<Navigate to="users" replace />} />
          <Route path="users" element={<UsersAndTeamsSettings />} />
          <Route path="workspace" element={<WorkspaceSettings />} />
          <Route path="contact-fields" element={<ContactFieldsSettings />} />
          <Route path="tags" element={<TagsSettings />} />
          <Route path="saved-replies" element={<SavedRepliesSettings />} />
          <Route path="spam" element={<SpamSettings />} />
          <Route path="channels" element={<ChannelsSettings />} />
          <Route path="templates" element={<TemplatesSettings />} />
        </Route>
        <Route path="*" element={<NotFound />} />
      </Route>
    </Routes>
  );
}

function LoadFailed({ error }: { error: unknown }) {
  const i18n = useI18n();
  return (
    <main className="auth">
      <section className="auth-card" role="alert">
        <h1>{i18n.t('loadFailed.title')}</h1>
        <p>{errorMessage(error, i18n)}</p>
        <button type="button" className="button button--primary" onClick={() => location.reload()}>
          {i18n.t('loadFailed.retry')}
        </button>
      </section>
    </main>
  );
}
