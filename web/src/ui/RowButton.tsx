import type { ReactNode } from 'react';

/**
 * A small button in a list's row. `label` says what it does to what ("Edit Sales"), for screen
 * readers: the text alone ("Edit") would not say which row; `danger` for deleting and removing.
 */
export function RowButton(props: { label: string; onClick: () => void; danger?: boolean; children: ReactNode }) {
  return (
    <button type="button" className={props.danger ? 'button button--small button--danger-text' : 'button button--small'} aria-label={props.label} onClick={props.onClick}>
      {props.children}
    </button>
  );
}
