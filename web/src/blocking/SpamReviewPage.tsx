import { useState } from 'react';
import { Link } from 'react-router-dom';
import { formatDateTime } from '../contacts/contact-format.js';
import { useI18n } from '../i18n/i18n.js';
import { EmptyState } from '../ui/EmptyState.js';
import { errorMessage } from '../ui/errors.js';
import { FormAlert } from '../ui/forms.js';
import { SpamReasonText } from './SpamReasonText.js';
import { type DecisionState, type SpamDecision, useReverseDecision, useSpamDecisions } from './spam.queries.js';
import { showToast } from './toasts.js';
import './blocking.css';

const states: DecisionState[] = ['active', 'reversed'];

/** What the spam rules stopped, each with its reasons, and "Not spam" to undo it (owners and managers). */
export function SpamReviewPage() {
  const i18n = useI18n();
  const { t } = i18n;
  const [state, setState] = useState<DecisionState>('active');
  const decisions = useSpamDecisions(state);
  const items = decisions.data?.pages.flatMap((page) => page.items);

  return (
    <section className="page spam-review">
      <h1>{t('spam.review.title')}</h1>
      <p className="muted">{t('spam.review.intro')}</p>
      <div className="tabs" role="group" aria-label={t('spam.review.states')}>
        {states.map((each) => (
          <button key={each} type="button" className={`tab tab-button${state === each ? ' active' : ''}`} aria-pressed={state === each} onClick={() => setState(each)}>
            {t(`spam.review.state.${each}`)}
          </button>
        ))}
      </div>
      <FormAlert>{decisions.error ? errorMessage(decisions.error, i18n) : undefined}</FormAlert>
      {items?.length === 0 && (
        <EmptyState title={t(`spam.review.empty.${state}`)}>
          <p>{t('spam.review.empty.body')}</p>
        </EmptyState>
      )}
      <ul className="spam-decisions" aria-busy={decisions.isFetching}>
        {items?.map((decision) => <DecisionItem key={decision.id} decision={decision} />)}
      </ul>
      {decisions.hasNextPage && (
        <button type="button" className="button spam-load-more" disabled={decisions.isFetchingNextPage} onClick={() => void decisions.fetchNextPage()}>
          {t('contacts.loadMore')}
        </button>
      )}
    </section>
  );
}

/** One decision; "Not spam" shows it reversed at once, and it leaves the list to review when the list refreshes. */
function DecisionItem({ decision: listed }: { decision: SpamDecision }) {
  const i18n = useI18n();
  const { t, language } = i18n;
  const reverse = useReverseDecision();
  const decision = reverse.data ?? listed;
  const name = decision.contact.name ?? t('contacts.unnamed');

  return (
    <li className="card spam-decision">
      <div className="spam-decision-header">
        <Link to={`/contacts/${decision.contact.id}`} className="spam-decision-contact">
          {name}
        </Link>
        <span className={`badge spam-action spam-action--${decision.action}`}>{t(`spam.action.${decision.action}`)}</span>
        <span className="muted">{t('spam.review.score', { score: decision.score })}</span>
        <time className="muted" dateTime={decision.createdAt}>
          {formatDateTime(decision.createdAt, language)}
        </time>
      </div>
      {decision.message && <p className="spam-preview">{decision.message.text}</p>}
      <ul className="spam-reasons" aria-label={t('spam.review.reasons')}>
        {decision.reasons.map((reason, index) => (
          <li key={index}>
            <SpamReasonText reason={reason} />
          </li>
        ))}
      </ul>
      <div className="spam-decision-footer">
        {decision.reversedAt ? (
          <p className="muted">{t('spam.review.reversedAt', { time: formatDateTime(decision.reversedAt, language) })}</p>
        ) : (
          <button
            type="button"
            className="button button--small"
            disabled={reverse.isPending}
            onClick={() => reverse.mutate(decision.id, { onSuccess: () => showToast(t(`spam.review.reversed.${decision.action}`, { name })) })}
          >
            {t('spam.review.notSpam')}
          </button>
        )}
        <FormAlert>{reverse.error ? errorMessage(reverse.error, i18n) : undefined}</FormAlert>
      </div>
    </li>
  );
}
