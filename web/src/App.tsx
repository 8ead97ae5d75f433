import { lazy } from 'react';
import { Navigate, Route, Routes, useLocation } from 'react-router-dom';
import { I18nProvider, resolveLanguage, useI18n } from './i18n/i18n.js';
import { InboxPage } from './inbox/InboxPage.js';
import { AppLayout } from './layout/AppLayout.js';
import { MergeHistoryPage } from './merging/MergeHistoryPage.js';
import { NotFound } from './layout/NotFound.js';
import { RequirePermission } from './layout/RequirePermission.js';
import { RealtimeProvider } from './realtime/realtime.js';
import { AcceptInvitationPage } from './session/AcceptInvitationPage.js';
import { LoginPage } from './session/LoginPage.js';
import { useMeQuery, useSetupStatus } from './session/session.js';
import { SetupPage } from './session/SetupPage.js';
import { errorMessage } from './ui/errors.js';

// Each page but the Inbox loads when first opened: the first screen needs only the Inbox's code.
const SpamReviewPage = lazy(() => import('./blocking/SpamReviewPage.js').then((module) => ({ default: module.SpamReviewPage })));
const SpamSettings = lazy(() => import('./blocking/SpamSettings.js').then((module) => ({ default: module.SpamSettings })));
const ContactsPage = lazy(() => import('./contacts/ContactsPage.js').then((module) => ({ default: module.ContactsPage })));
const DashboardPage = lazy(() => import('./dashboard/DashboardPage.js').then((module) => ({ default: module.DashboardPage })));
const ContactFieldsSettings = lazy(() => import('./settings/ContactFieldsSettings.js').then((module) => ({ default: module.ContactFieldsSettings })));
const SavedRepliesSettings = lazy(() => import('./settings/SavedRepliesSettings.js').then((module) => ({ default: module.SavedRepliesSettings })));
const SettingsPage = lazy(() => import('./settings/SettingsPage.js').then((module) => ({ default: module.SettingsPage })));
const TagsSettings = lazy(() => import('./settings/TagsSettings.js').then((module) => ({ default: module.TagsSettings })));
const UsagePage = lazy(() => import('./usage/UsagePage.js').then((module) => ({ default: module.UsagePage })));
const UsersAndTeamsSettings = lazy(() => import('./settings/UsersAndTeamsSettings.js').then((module) => ({ default: module.UsersAndTeamsSettings })));
const ChannelsSettings = lazy(() => import('./channels/ChannelsSettings.js').then((module) => ({ default: module.ChannelsSettings })));
const TemplatesSettings = lazy(() => import('./channels/TemplatesSettings.js').then((module) => ({ default: module.TemplatesSettings })));
const WorkflowsSettings = lazy(() => import('./workflows/WorkflowsSettings.js').then((module) => ({ default: module.WorkflowsSettings })));
const WorkspaceSettings = lazy(() => import('./settings/WorkspaceSettings.js').then((module) => ({ default: module.WorkspaceSettings })));

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
  const { pathname } = useLocation();
  const error = setup.error ?? me.error;
  if (error) return <LoadFailed error={error} />;
  // An invitation's link is for someone without an account yet, whoever is signed in on this browser.
  const invitation = /^\/invitation\/([\w-]+)$/.exec(pathname)?.[1];
  if (invitation) return <AcceptInvitationPage token={invitation} />;
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
        <Route
          path="dashboard"
          element={
            <RequirePermission action="dashboard.view">
              <DashboardPage />
            </RequirePermission>
          }
        />
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
          <Route path="workflows" element={<WorkflowsSettings />} />
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
