// Failures shown in the reader's language: a message by problem type or HTTP status, then the
// server's own detail and the request id for support.
import { ApiError } from '../api';
import { has, t } from '../i18n/core';

export function errorMessage(e: unknown): string {
  if (e instanceof ApiError) {
    const bySlug = `problem.${e.slug}`;
    if (e.slug && has(bySlug)) return t(bySlug);
    const byStatus = `error.${e.status}`;
    if (has(byStatus)) return t(byStatus);
    return t(e.status >= 500 ? 'error.500' : 'error.400');
  }
  return t('error.uncaught');
}

export function ErrorBox({ error, onRetry }: { error: unknown; onRetry?: () => void }) {
  if (!error) return null;
  const detail = error instanceof ApiError ? error.problem.detail : undefined;
  const requestId = error instanceof ApiError ? (error.problem.request_id as string | undefined) : undefined;
  return (
    <div class="error" role="alert">
      <strong>{errorMessage(error)}</strong>
      {detail ? <p class="error-detail">{t('error.detail', { detail })}</p> : null}
      {requestId ? <p class="error-detail">{t('error.request_id', { id: requestId })}</p> : null}
      {onRetry ? (
        <button type="button" class="secondary" onClick={onRetry}>
          {t('common.retry')}
        </button>
      ) : null}
    </div>
  );
}
