// HTML the server renders (the briefing pack, library documents, search snippets), made safe for
// the console before it is inserted. The server escapes and sanitises already; this is the second
// line of defence, and it also adapts the pages to the console's CSP (no inline <style> or style
// attributes: the few layout values the briefing pack sets inline are re-applied from JS).

// A search snippet is server-escaped text with the matches in <mark>…</mark>. Returns HTML holding
// nothing but text, character references and balanced <mark> elements: anything else is escaped.
export function markOnly(snippet: string): string {
  const parts = snippet.split(/(<mark>|<\/mark>)/);
  let out = '';
  let open = false;
  for (const part of parts) {
    if (part === '<mark>') {
      if (!open) out += '<mark>';
      open = true;
    } else if (part === '</mark>') {
      if (open) out += '</mark>';
      open = false;
    } else {
      out += part
        .replace(/&(?!(?:amp|lt|gt|quot|apos|#39|#x27|#\d{1,7}|#x[0-9a-fA-F]{1,6});)/g, '&amp;')
        .replace(/</g, '&lt;')
        .replace(/>/g, '&gt;')
        .replace(/"/g, '&quot;');
    }
  }
  if (open) out += '</mark>';
  return out;
}

const HTML_TAGS = new Set([
  'a', 'abbr', 'article', 'b', 'blockquote', 'br', 'caption', 'code', 'dd', 'del', 'details', 'div',
  'dl', 'dt', 'em', 'figcaption', 'figure', 'h1', 'h2', 'h3', 'h4', 'h5', 'h6', 'hr', 'i', 'li',
  'nav', 'ol', 'p', 'pre', 's', 'section', 'small', 'span', 'strong', 'sub', 'summary', 'sup',
  'table', 'tbody', 'td', 'tfoot', 'th', 'thead', 'tr', 'u', 'ul',
]);
const SVG_TAGS = new Set(['svg', 'g', 'line', 'polyline', 'path', 'circle', 'rect', 'text', 'title', 'tspan']);
// Elements that become a neutral container (landmarks the console's page already has).
const RENAME: Record<string, string> = { main: 'div', header: 'div', footer: 'div' };
const DROP_WITH_CONTENT = new Set([
  'script', 'style', 'template', 'iframe', 'object', 'embed', 'noscript', 'link', 'meta', 'base',
  'form', 'input', 'button', 'select', 'textarea', 'img', 'video', 'audio', 'source', 'picture',
  'canvas', 'math', 'head', 'title', 'foreignobject', 'use', 'image', 'animate', 'set',
]);
const HTML_ATTRS = new Set(['href', 'id', 'class', 'colspan', 'rowspan', 'scope', 'lang', 'dir', 'title', 'start', 'aria-label', 'aria-hidden', 'role', 'open']);
const SVG_ATTRS = new Set([
  'viewbox', 'width', 'height', 'x', 'y', 'x1', 'y1', 'x2', 'y2', 'cx', 'cy', 'r', 'rx', 'ry', 'd',
  'points', 'fill', 'stroke', 'stroke-width', 'stroke-dasharray', 'text-anchor',
  'dominant-baseline', 'font-family', 'font-size', 'font-weight', 'transform', 'class', 'role',
  'aria-label', 'aria-hidden', 'xmlns',
]);

export interface CleanOptions {
  // Rewrites an allowed href (http, https, mailto, fragment or same-origin path); null drops it.
  link?: (href: string) => string | null;
  // Headings move down by this many levels (h1 → h2 for 1), so the page keeps one h1.
  demote?: number;
  // Inline styles the source page set that the console should keep: property → allowed pattern.
  keepStyles?: Record<string, RegExp>;
}

function safeHref(href: string): boolean {
  const h = href.trim();
  if (h.startsWith('#') || (h.startsWith('/') && !h.startsWith('//'))) return true;
  return /^(https?:|mailto:)/i.test(h);
}

// Parses a full page or fragment (inert: nothing runs or loads while it is parsed) and returns a
// fragment of the console's document holding only allowed elements and attributes.
export function cleanHtml(source: string, opts: CleanOptions = {}): DocumentFragment {
  // Style blocks and attributes are taken out as text before parsing, so that the console's CSP
  // never sees them (the markup is the server's, with every value escaped, so `"` cannot occur
  // inside an attribute value). Their values survive as data-k-style for keepStyles.
  const text = source
    .replace(/<style[\s\S]*?<\/style\s*>/gi, '')
    .replace(/<meta[^>]*>/gi, '')
    .replace(/\sstyle\s*=\s*"([^"]*)"/gi, ' data-k-style="$1"')
    .replace(/\sstyle\s*=\s*'([^']*)'/gi, ' data-k-style="$1"');
  const doc = new DOMParser().parseFromString(text, 'text/html');
  const demote = opts.demote ?? 0;
  const pending: [Element, string][] = [];

  const walk = (parent: Element) => {
    for (const node of Array.from(parent.childNodes)) {
      if (node.nodeType === Node.COMMENT_NODE || node.nodeType === Node.PROCESSING_INSTRUCTION_NODE) {
        node.remove();
        continue;
      }
      if (node.nodeType !== Node.ELEMENT_NODE) continue;
      const el = node as Element;
      const name = el.localName.toLowerCase();
      const svg = el.namespaceURI === 'http://www.w3.org/2000/svg';
      if (DROP_WITH_CONTENT.has(name) && !(svg && name === 'title')) {
        el.remove();
        continue;
      }
      let target = el;
      const allowed = svg ? SVG_TAGS.has(name) : HTML_TAGS.has(name) || name in RENAME;
      if (!allowed) {
        // Unknown element: keep its text, lose the element.
        walk(el);
        el.replaceWith(...Array.from(el.childNodes));
        continue;
      }
      let newName = RENAME[name];
      const heading = /^h([1-6])$/.exec(name);
      if (heading && demote) newName = `h${Math.min(6, Number(heading[1]) + demote)}`;
      if (newName && !svg) {
        const repl = doc.createElement(newName);
        for (const a of Array.from(el.attributes)) repl.setAttribute(a.name, a.value);
        repl.append(...Array.from(el.childNodes));
        el.replaceWith(repl);
        target = repl;
      }
      for (const a of Array.from(target.attributes)) {
        const an = a.name.toLowerCase();
        if (an === 'data-k-style') continue;
        const ok = svg ? SVG_ATTRS.has(an) : HTML_ATTRS.has(an);
        if (!ok || an.startsWith('on')) {
          target.removeAttribute(a.name);
          continue;
        }
        if (an === 'href') {
          if (svg || !safeHref(a.value)) {
            target.removeAttribute(a.name);
            continue;
          }
          const rewritten = opts.link ? opts.link(a.value.trim()) : a.value;
          if (rewritten === null) target.removeAttribute(a.name);
          else {
            target.setAttribute('href', rewritten);
            if (/^https?:/i.test(rewritten)) {
              target.setAttribute('target', '_blank');
              target.setAttribute('rel', 'noopener noreferrer');
            }
          }
        }
      }
      const kept = target.getAttribute('data-k-style');
      if (kept !== null) {
        target.removeAttribute('data-k-style');
        if (opts.keepStyles) pending.push([target, kept]);
      }
      walk(target);
    }
  };
  walk(doc.body);

  // Import into the console's document, then re-apply the kept layout values through the CSSOM.
  const frag = document.createDocumentFragment();
  pending.forEach(([el], i) => el.setAttribute('data-k-i', String(i)));
  for (const n of Array.from(doc.body.childNodes)) frag.append(document.importNode(n, true));
  for (const el of Array.from(frag.querySelectorAll('[data-k-i]'))) {
    const style = pending[Number(el.getAttribute('data-k-i'))]?.[1] ?? '';
    el.removeAttribute('data-k-i');
    for (const decl of style.split(';')) {
      const colon = decl.indexOf(':');
      if (colon < 0) continue;
      const prop = decl.slice(0, colon).trim().toLowerCase();
      const value = decl.slice(colon + 1).trim();
      const pattern = opts.keepStyles?.[prop];
      if (pattern && pattern.test(value) && (el as HTMLElement).style) {
        (el as HTMLElement).style.setProperty(prop, value);
      }
    }
  }
  return frag;
}
