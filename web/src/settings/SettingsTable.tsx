import type { ReactNode } from 'react';

/**
 * A settings page's list: a line saying there is nothing yet, or a table whose last column holds
 * each row's actions (its heading read by screen readers only). `children` gives a row's cells,
 * the actions last. Nothing while the list is loading.
 */
export function SettingsTable<T extends { id: string }>(props: {
  rows: T[] | undefined;
  empty: string;
  columns: string[];
  actionsLabel: string;
  className?: string;
  children: (row: T) => ReactNode;
}) {
  const { rows } = props;
  if (!rows) return null;
  if (rows.length === 0) return <p className="muted">{props.empty}</p>;
  return (
    <table className={props.className ? `table ${props.className}` : 'table'}>
      <thead>
        <tr>
          {props.columns.map((column) => (
            <th scope="col" key={column}>
              {column}
            </th>
          ))}
          <th scope="col">
            <span className="visually-hidden">{props.actionsLabel}</span>
          </th>
        </tr>
      </thead>
      <tbody>
        {rows.map((row) => (
          <tr key={row.id}>{props.children(row)}</tr>
        ))}
      </tbody>
    </table>
  );
}
