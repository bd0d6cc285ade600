// Shared pieces of every page: loading state, a page header, paging, a status badge.
import type { ComponentChildren } from 'preact';
import { t } from '../i18n/core';
import { ErrorBox } from './error';
import { submitWith, type Loaded } from './hooks';

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

// The "loading" status line shown while data is on its way.
export function Loading() {
  return (
    <p class="loading" role="status">
      {t('common.loading')}
    </p>
  );
}

// Renders `body` once loaded; the spinner or the error otherwise.
export function Async<T>({ state, children }: { state: Loaded<T>; children: (d: T) => ComponentChildren }) {
  if (state.error) return <ErrorBox error={state.error} onRetry={state.reload} />;
  if (state.data === undefined) return <Loading />;
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

// One entry of a description list (<dl>): the term and its value; `field` becomes data-field.
export function Fact({ label, field, valueClass, children }: { label: string; field?: string; valueClass?: string; children: ComponentChildren }) {
  return (
    <div data-field={field}>
      <dt>{label}</dt>
      <dd class={valueClass}>{children}</dd>
    </div>
  );
}

// A data table in its scrolling wrapper: one row of column headings (`num` ones right-aligned), then the rows.
export function DataTable({
  tableClass,
  headers,
  children,
}: {
  tableClass?: string;
  headers: (string | { label: string; num: true })[];
  children: ComponentChildren;
}) {
  return (
    <div class="table-wrap">
      <table class={tableClass}>
        <thead>
          <tr>
            {headers.map((h) =>
              typeof h === 'string' ? (
                <th scope="col">{h}</th>
              ) : (
                <th scope="col" class="num">
                  {h.label}
                </th>
              ),
            )}
          </tr>
        </thead>
        <tbody>{children}</tbody>
      </table>
    </div>
  );
}

// A form of one text box and its send button (a case note, a referral message): the button waits
// for text and for the last sending; a failure shows above it.
export function TextPostForm({
  label,
  hint,
  name,
  submitName,
  submit,
  value,
  onInput,
  action,
}: {
  label: string;
  hint: string;
  name: string;
  submitName: string;
  submit: string;
  value: string;
  onInput: (v: string) => void;
  action: { run: () => unknown; busy: boolean; error: unknown };
}) {
  return (
    <form
      onSubmit={submitWith(action.run)}
    >
      <Field label={label} hint={hint}>
        <textarea
          name={name}
          required
          maxLength={5000}
          rows={3}
          value={value}
          onInput={(e) => onInput((e.target as HTMLTextAreaElement).value)}
        />
      </Field>
      <ErrorBox error={action.error} />
      <button type="submit" name={submitName} disabled={action.busy || !value.trim()}>
        {submit}
      </button>
    </form>
  );
}
