// Eval report renderers for text: aligned columns for a terminal, pipe tables for markdown (e.g.
// pasted into a pull request or a nightly job's summary). Both read the same sections.
import type { EvalDocument } from './eval-document.js';
import { isNumericCell, reportSections, type Section, summaryLines } from './report-sections.js';

function alignedTable(s: Section): string[] {
  const all = [s.head, ...s.rows];
  const widths = s.head.map((_, c) => Math.max(...all.map((r) => (r[c] ?? '').length)));
  const line = (r: string[]) =>
    r
      .map((cell, c) => (isNumericCell(cell) ? cell.padStart(widths[c]!) : cell.padEnd(widths[c]!)))
      .join('  ')
      .trimEnd();
  return [line(s.head), widths.map((w) => '-'.repeat(w)).join('  '), ...s.rows.map(line)];
}

export function formatTable(doc: EvalDocument): string {
  const out = [...summaryLines(doc)];
  for (const s of reportSections(doc)) {
    out.push('', s.title, ...alignedTable(s), ...(s.notes ?? []));
  }
  return `${out.join('\n')}\n`;
}

/**
 * Text for markdown (GitHub's flavour): a pipe would end a cell and a newline the row; `<` could
 * open HTML, `*` and backticks markup, and `&` an entity. They are escaped with a backslash, so
 * the source stays readable in a terminal (`->` stays `->`) and renders as the same text.
 */
export function mdText(s: string): string {
  return s
    .replace(/[\\|<*`]/g, (c) => `\\${c}`)
    .replace(/&(?=#?[A-Za-z0-9]+;)/g, '\\&')
    .replace(/\r?\n/g, ' ');
}

export function formatMarkdown(doc: EvalDocument): string {
  const summary = summaryLines(doc).map((l) => {
    const m = /^(\w+)\s+(.*)$/.exec(l);
    return m ? `- **${m[1]}** ${mdText(m[2]!)}` : `- ${mdText(l.trim())}`;
  });
  // Which backend scored and why: in the markdown report (and the JSON), kept off the console table.
  const s = doc.model.scoring;
  const backend = s.backendReason ? [`- **backend** ${mdText(`${s.backend} (${s.backendReason})`)}`] : [];
  const out = ['## mmoe eval', '', ...summary, ...backend];
  for (const s of reportSections(doc)) {
    out.push('', `### ${mdText(s.title)}`, '');
    out.push(`| ${s.head.map(mdText).join(' | ')} |`, `|${s.head.map(() => ' --- ').join('|')}|`);
    for (const r of s.rows) out.push(`| ${r.map(mdText).join(' | ')} |`);
    if (s.notes?.length) out.push('', ...s.notes.map((n) => (n.startsWith('  - ') ? `  - ${mdText(n.slice(4))}` : `- ${mdText(n)}`)));
  }
  return `${out.join('\n')}\n`;
}
