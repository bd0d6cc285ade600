// The briefing pack for the next meeting in a print view. The server renders it as a complete HTML
// document whose own CSP allows its inline stylesheet; the API forbids framing it (X-Frame-Options
// DENY, frame-ancestors 'none'), so the console fetches it, keeps only its body through the
// sanitiser (no inline style reaches the console's CSP; links to API records become links to the
// console's pages) and styles it with the console's stylesheet. The Markdown and PDF versions
// are downloads; the standalone page opens in a new tab. The pack is asked for in the console's
// language (?lang=) and fetched again when the language changes.
import { useEffect, useRef, useState } from 'preact/hooks';
import { request } from '../api';
import { lang, t } from '../i18n/core';
import { ErrorBox } from '../ui/error';
import { useAction, useLang, useLoad } from '../ui/hooks';
import { Async, PageHeader } from '../ui/widgets';
import { cleanHtml } from './dialogue_html';
import { consoleHref } from './dialogue_model';

const URL_HTML = '/api/v1/dialogue/briefing';

function BriefingBody({ html }: { html: string }) {
  const box = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (!box.current) return;
    const frag = cleanHtml(html, {
      demote: 1,
      link: (href) => {
        if (href.startsWith('#') || /^(https?:|mailto:)/i.test(href)) return href;
        return consoleHref(href.replace(/^https?:\/\/[^/]+/, ''));
      },
      keepStyles: { 'padding-left': /^\d{1,2}(\.\d+)?rem$/, width: /^\d{1,3}(\.\d+)?%$/ },
    });
    box.current.replaceChildren(frag);
  }, [html]);
  return <div class="briefing-doc" ref={box} />;
}

export function BriefingPage() {
  useLang();
  const l = lang();
  const state = useLoad((s) => request<string>('GET', `${URL_HTML}?lang=${l}`, { signal: s }), [l]);
  const [pdfDone, setPdfDone] = useState(false);
  const pdf = useAction(async () => {
    setPdfDone(false);
    const res = await request<Response>('GET', `${URL_HTML}?format=pdf&lang=${l}`, { raw: true });
    const blob = await res.blob();
    const url = URL.createObjectURL(blob);
    const a = document.createElement('a');
    a.href = url;
    a.download = 'briefing-pack.pdf';
    document.body.append(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 10000);
    setPdfDone(true);
  });
  return (
    <>
      <PageHeader title={t('dialogue.briefing.title')}>
        <button type="button" onClick={() => window.print()}>
          {t('dialogue.briefing.print')}
        </button>
        <a class="button secondary" href={`${URL_HTML}?format=md&lang=${l}`} download="briefing-pack.md">
          {t('dialogue.briefing.markdown')}
        </a>
        <button type="button" class="secondary" disabled={pdf.busy} onClick={() => pdf.run()}>
          {pdf.busy ? t('dialogue.briefing.pdf_busy') : t('dialogue.briefing.pdf')}
        </button>
        <a class="button secondary" href={`${URL_HTML}?lang=${l}`} target="_blank" rel="noopener">
          {t('dialogue.briefing.standalone')}
        </a>
      </PageHeader>
      <p class="muted no-print">{t('dialogue.briefing.intro')}</p>
      <div class="no-print">
        <ErrorBox error={pdf.error} />
        {pdfDone ? (
          <p class="success" role="status">
            {t('dialogue.briefing.pdf_done')}
          </p>
        ) : null}
      </div>
      <Async state={state}>{(html) => <BriefingBody html={html} />}</Async>
    </>
  );
}
