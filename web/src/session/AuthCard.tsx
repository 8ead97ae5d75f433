import type { ReactNode } from 'react';

export function AuthCard({ title, intro, children }: { title: string; intro?: string; children: ReactNode }) {
  return (
    <main className="auth">
      <section className="auth-card">
        <p className="brand" aria-hidden="true">
          <span className="brand-mark" />
          Switchboard
        </p>
        <h1>{title}</h1>
        {intro && <p className="muted">{intro}</p>}
        {children}
      </section>
    </main>
  );
}
