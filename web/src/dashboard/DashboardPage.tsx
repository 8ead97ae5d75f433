import { type ComponentType, lazy, Suspense } from 'react';
import { channelTypeName, useCountText } from '../contacts/contact-format.js';
import { useI18n } from '../i18n/i18n.js';
import { DuplicateGroups } from '../merging/DuplicateGroups.js';
import { Avatar } from '../ui/Avatar.js';
import { errorMessage } from '../ui/errors.js';
import { usePresence, useUsers } from '../workspace/workspace.queries.js';
import { type Period, type Times, useDashboard } from './dashboard.queries.js';
import { formatDuration } from './format-duration.js';
import './dashboard.css';

// Chart.js comes with the charts, after the figures: the page reads before they draw.
const BarChart = lazy(() => import('./DashboardCharts.js').then((module) => ({ default: module.BarChart })));

/**
 * The dashboard's sections, in order. Each reads what it needs itself (the figures are one shared
 * query): another section is one more line here.
 */
const sections: ComponentType[] = [OpenNow, ResponseTimes, MessagesByChannel, BusiestHours, OnlineNow, DuplicateGroups];

/** For owners and managers (SPEC §1): the team's figures, now, today and over the last 7 days. */
export function DashboardPage() {
  const i18n = useI18n();
  const dashboard = useDashboard();
  return (
    <section className="page dashboard" aria-busy={dashboard.isPending}>
      <header className="dashboard-header">
        <h1>{i18n.t('dashboard.title')}</h1>
        {dashboard.data && (
          <span className="muted">{i18n.t('dashboard.updatedAt', { time: new Intl.DateTimeFormat(i18n.language, { timeStyle: 'short' }).format(new Date(dashboard.data.generatedAt)) })}</span>
        )}
        <button type="button" className="button button--small" disabled={dashboard.isFetching} onClick={() => void dashboard.refetch()}>
          {i18n.t('dashboard.refresh')}
        </button>
      </header>
      {dashboard.error && (
        <div role="alert" className="alert alert--error">
          <p>{errorMessage(dashboard.error, i18n)}</p>
          <button type="button" className="button button--small" onClick={() => void dashboard.refetch()}>
            {i18n.t('inbox.list.retry')}
          </button>
        </div>
      )}
      <div className="dashboard-sections">
        {sections.map((Section, index) => (
          <Section key={index} />
        ))}
      </div>
    </section>
  );
}

function useChannelName() {
  const { t } = useI18n();
  return (channel: { type: string; name: string } | null) => (channel ? `${channel.name} (${channelTypeName(channel.type, t)})` : t('dashboard.noChannel'));
}

function OpenNow() {
  const { t, language } = useI18n();
  const figures = useDashboard().data;
  const channelName = useChannelName();
  if (!figures) return null;
  const { open } = figures;
  const number = (value: number) => value.toLocaleString(language);
  const rows = [
    ...open.byTeam.map((row) => ({ key: `team-${row.team?.id ?? 'none'}`, kind: t('dashboard.team'), name: row.team?.name ?? t('dashboard.noTeam'), ...row })),
    ...open.byChannel.map((row) => ({ key: `channel-${row.channel?.id ?? 'none'}`, kind: t('dashboard.channel'), name: channelName(row.channel), ...row })),
  ];
  return (
    <section className="card dashboard-card dashboard-card--wide" aria-labelledby="dashboard-open">
      <h2 id="dashboard-open">{t('dashboard.open.title')}</h2>
      <dl className="dashboard-figures">
        <div>
          <dt>{t('dashboard.open.open')}</dt>
          <dd>{number(open.open)}</dd>
        </div>
        <div>
          <dt>{t('dashboard.open.unassigned')}</dt>
          <dd>{number(open.unassigned)}</dd>
        </div>
        <div>
          <dt title={t('dashboard.open.missedHint', { seconds: figures.missedAfterSeconds })}>{t('dashboard.open.missed')}</dt>
          <dd className={open.missed > 0 ? 'dashboard-missed' : undefined}>{number(open.missed)}</dd>
        </div>
      </dl>
      {rows.length > 0 && (
        <table className="table dashboard-table">
          <caption className="visually-hidden">{t('dashboard.open.byTeamAndChannel')}</caption>
          <thead>
            <tr>
              <th scope="col">{t('dashboard.open.where')}</th>
              <th scope="col">{t('dashboard.open.open')}</th>
              <th scope="col">{t('dashboard.open.unassigned')}</th>
              <th scope="col">{t('dashboard.open.missed')}</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((row) => (
              <tr key={row.key}>
                <th scope="row">
                  <span className="muted">{row.kind}: </span>
                  {row.name}
                </th>
                <td>{number(row.open)}</td>
                <td>{number(row.unassigned)}</td>
                <td>{number(row.missed)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {open.open === 0 && <p className="muted">{t('dashboard.open.none')}</p>}
    </section>
  );
}

function ResponseTimes() {
  const { t, language } = useI18n();
  const counted = useCountText();
  const figures = useDashboard().data;
  if (!figures) return null;
  const time = (seconds: number | null) => (seconds === null ? '—' : formatDuration(seconds, language));
  const row = (label: string, today: Times, week: Times) => (
    <tr>
      <th scope="row">{label}</th>
      {[today, week].map((times, index) => (
        <td key={index}>
          <span className="dashboard-time">{time(times.median)}</span>
          <span className="muted"> · p90 {time(times.p90)}</span>
          <span className="muted dashboard-count"> ({counted('dashboard.times.count', times.count)})</span>
        </td>
      ))}
    </tr>
  );
  return (
    <section className="card dashboard-card dashboard-card--wide" aria-labelledby="dashboard-times">
      <h2 id="dashboard-times">{t('dashboard.times.title')}</h2>
      <p className="muted">{t('dashboard.times.intro')}</p>
      <table className="table dashboard-table">
        <thead>
          <tr>
            <th scope="col">
              <span className="visually-hidden">{t('dashboard.times.what')}</span>
            </th>
            <th scope="col">{t('dashboard.today')}</th>
            <th scope="col">{t('dashboard.week')}</th>
          </tr>
        </thead>
        <tbody>
          {row(t('dashboard.times.firstResponse'), figures.today.firstResponse, figures.week.firstResponse)}
          {row(t('dashboard.times.resolution'), figures.today.resolution, figures.week.resolution)}
        </tbody>
      </table>
    </section>
  );
}

function MessagesByChannel() {
  const { t, language } = useI18n();
  const figures = useDashboard().data;
  const channelName = useChannelName();
  if (!figures) return null;
  const week: Period = figures.week;
  const labels = week.byChannel.map((row) => channelName(row.channel));
  const summary = week.byChannel
    .map((row, index) => t('dashboard.messages.summaryRow', { channel: labels[index]!, inbound: row.inbound.toLocaleString(language), outbound: row.outbound.toLocaleString(language) }))
    .join('; ');
  return (
    <section className="card dashboard-card" aria-labelledby="dashboard-messages">
      <h2 id="dashboard-messages">{t('dashboard.messages.title')}</h2>
      {week.byChannel.length === 0 ? (
        <p className="muted">{t('dashboard.messages.none')}</p>
      ) : (
        <Suspense fallback={<div className="dashboard-chart" aria-busy="true" />}>
          <BarChart
            labels={labels}
            stacked
            summary={`${t('dashboard.messages.title')}: ${summary}`}
            series={[
              { label: t('dashboard.messages.inbound'), values: week.byChannel.map((row) => row.inbound) },
              { label: t('dashboard.messages.outbound'), values: week.byChannel.map((row) => row.outbound) },
            ]}
          />
        </Suspense>
      )}
    </section>
  );
}

function BusiestHours() {
  const { t, language } = useI18n();
  const figures = useDashboard().data;
  if (!figures) return null;
  const hours = figures.week.inboundByHour;
  const total = hours.reduce((sum, count) => sum + count, 0);
  const hourLabel = (hour: number) => new Intl.DateTimeFormat(language, { hour: 'numeric' }).format(new Date(2000, 0, 1, hour));
  const busiest = [...hours.keys()].sort((a, b) => hours[b]! - hours[a]!).slice(0, 3).filter((hour) => hours[hour]! > 0);
  return (
    <section className="card dashboard-card" aria-labelledby="dashboard-hours">
      <h2 id="dashboard-hours">{t('dashboard.hours.title')}</h2>
      {total === 0 ? (
        <p className="muted">{t('dashboard.messages.none')}</p>
      ) : (
        <>
          <p>{t('dashboard.hours.busiest', { hours: busiest.map(hourLabel).join(', ') })}</p>
          <Suspense fallback={<div className="dashboard-chart" aria-busy="true" />}>
            <BarChart
              labels={hours.map((_, hour) => hourLabel(hour))}
              summary={`${t('dashboard.hours.title')}: ${hours.map((count, hour) => `${hourLabel(hour)} ${count}`).join(', ')}`}
              series={[{ label: t('dashboard.messages.inbound'), values: hours }]}
            />
          </Suspense>
        </>
      )}
    </section>
  );
}

function OnlineNow() {
  const { t } = useI18n();
  const users = useUsers();
  const presence = usePresence();
  const online = (users.data ?? []).filter((user) => presence.data?.has(user.id));
  return (
    <section className="card dashboard-card" aria-labelledby="online-now">
      <h2 id="online-now">{t('dashboard.onlineNow', { count: online.length })}</h2>
      <ul className="people">
        {online.map((user) => (
          <li key={user.id} className="person">
            <Avatar name={user.name} />
            <span>{user.name}</span>
            <span className="dot dot--online" aria-hidden="true" />
          </li>
        ))}
      </ul>
    </section>
  );
}
