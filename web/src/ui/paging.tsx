// Paging backwards through a list by "before" cursors (the audit trail, the workers register).
import { useState } from 'preact/hooks';
import { Pager } from './widgets';

// The cursors of the pages seen so far: [0] is the first page (no cursor); `before` is the current one.
export function useCursorPages() {
  const [cursors, setCursors] = useState<number[]>([0]);
  return { cursors, setCursors, before: cursors[cursors.length - 1], first: cursors.length === 1 };
}

// The pager under such a list; `next` is the cursor of the following page (null on the last).
export function CursorPager({ pages, next }: { pages: ReturnType<typeof useCursorPages>; next: number | null }) {
  return (
    <Pager
      page={pages.cursors.length - 1}
      hasNext={next !== null}
      onPage={(p) => pages.setCursors((c) => (p < c.length - 1 ? c.slice(0, p + 1) : [...c, next as number]))}
    />
  );
}
