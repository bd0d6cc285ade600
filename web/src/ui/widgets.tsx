// Shared pieces of every page: loading state, a page header, paging, a status badge.
import type { ComponentChildren } from 'preact';
import { t } from '../i18n/core';
import { ErrorBox } from './error';
import type { Loaded } from './hooks';

export function PageHeader({ title, children }: { title: string; children?: ComponentChildren }) {
  return (
    <header class="page-header">
      <h1 id="page-title" tabIndex={-1}>
        {title}
      </h1>
      {children ? <div class="page-actions">{children}</div> : null}
    </header>
  );
}

// Renders `body` once loaded; the spinner or the error otherwise.
export function Async<T>({ state, children }: { state: Loaded<T>; children: (d: T) => ComponentChildren }) {
  if (state.error) return <ErrorBox error={state.error} onRetry={state.reload} />;
  if (state.data === undefined) {
    return (
      <p class="loading" role="status">
        {t('common.loading')}
      </p>
    );
  }
  return <>{children(state.data)}</>;
}

export function Pager({
  page,
  hasNext,
  onPage,
}: {
  page: number;
  hasNext: boolean;
  onPage: (p: number) => void;
}) {
  return (
    <nav class="pager" aria-label={t('common.page', { n: page + 1 })}>
      <button type="button" class="secondary" disabled={page === 0} onClick={() => onPage(page - 1)}>
        {t('common.previous')}
      </button>
      <span>{t('common.page', { n: page + 1 })}</span>
      <button type="button" class="secondary" disabled={!hasNext} onClick={() => onPage(page + 1)}>
        {t('common.next')}
      </button>
    </nav>
  );
}

export function Badge({ kind, children }: { kind?: string; children: ComponentChildren }) {
  return <span class={`badge ${kind ? `badge-${kind}` : ''}`}>{children}</span>;
}

export function Field({
  label,
  children,
  hint,
}: {
  label: string;
  children: ComponentChildren;
  hint?: string;
}) {
  return (
    <label class="field">
      <span class="field-label">{label}</span>
      {children}
      {hint ? <span class="field-hint">{hint}</span> : null}
    </label>
  );
}
