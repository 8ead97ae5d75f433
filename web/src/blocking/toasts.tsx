import { useSyncExternalStore } from 'react';
import './blocking.css';

const SHOWN_FOR_MS = 5000;

type Toast = { id: number; text: string };

let toasts: Toast[] = [];
let nextId = 0;
const listeners = new Set<() => void>();

function update(next: Toast[]) {
  toasts = next;
  for (const listener of listeners) listener();
}

/**
 * Reports that an action succeeded, for a few seconds. It outlives the component that asked:
 * unblocking replaces the very banner whose button did it.
 */
export function showToast(text: string) {
  const toast = { id: ++nextId, text };
  update([...toasts, toast]);
  setTimeout(() => update(toasts.filter((each) => each !== toast)), SHOWN_FOR_MS);
}

function subscribe(listener: () => void) {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

/** Where toasts appear; rendered once by the app's layout. */
export function ToastHost() {
  const shown = useSyncExternalStore(subscribe, () => toasts);
  return (
    <div className="toasts" role="status" aria-live="polite">
      {shown.map((toast) => (
        <p key={toast.id} className="toast">
          {toast.text}
        </p>
      ))}
    </div>
  );
}
