// The playground serves the language reference and the diagnostics guide itself, rendered from
// docs/*.md when it is built: a static page works offline and shows the docs of the compiler
// it runs, where a link to the repository would need the network and could show another
// version. This renders the Markdown those docs use (headings, paragraphs, fenced code, lists,
// tables, emphasis, links); it is no general Markdown engine.

/** A relative link to another doc: the page the playground serves for it, or undefined. */
export type LinkMap = (href: string) => string | undefined;

const escape = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/** GitHub's anchor for a heading: lower case, punctuation dropped, spaces to hyphens. */
export function slug(text: string): string {
  return text.toLowerCase().replace(/[^\p{L}\p{N}\s_-]/gu, '').trim().replace(/\s/g, '-');
}

function inline(text: string, links: LinkMap): string {
  // Code spans first, kept out of every other rule.
  const codes: string[] = [];
  let s = text.replace(/`([^`]+)`/g, (_, c: string) => `\u0000${codes.push(`<code>${escape(c)}</code>`) - 1}\u0000`);
  s = escape(s);
  s = s.replace(/\[([^\]]+)\]\(([^)\s]+)\)/g, (_, label: string, href: string) => {
    const to = /^https?:/.test(href) || href.startsWith('#') ? href : links(href);
    return to === undefined ? label : `<a href="${to}">${label}</a>`;
  });
  s = s.replace(/\*\*([^*]+)\*\*/g, '<strong>$1</strong>').replace(/(^|[\s(])\*([^*\s][^*]*)\*/g, '$1<em>$2</em>');
  return s.replace(/\u0000(\d+)\u0000/g, (_, i: string) => codes[Number(i)]!);
}

const cells = (row: string): string[] => row.trim().replace(/^\||\|$/g, '').split('|').map((c) => c.trim());

/** The HTML of a Markdown document's body; headings carry their GitHub anchors as ids. */
export function renderMarkdown(md: string, links: LinkMap = () => undefined): string {
  const lines = md.replace(/\r\n/g, '\n').split('\n');
  const out: string[] = [];
  let i = 0;
  const isBlockStart = (l: string): boolean => /^(#{1,6} |```|\||\s*[-*] |\s*\d+\. |>)/.test(l) || l.trim() === '';
  while (i < lines.length) {
    const line = lines[i]!;
    if (line.trim() === '') { i++; continue; }
    const heading = /^(#{1,6}) (.*)$/.exec(line);
    if (heading) {
      const level = heading[1]!.length;
      out.push(`<h${level} id="${slug(heading[2]!)}">${inline(heading[2]!, links)}</h${level}>`);
      i++;
      continue;
    }
    if (line.startsWith('```')) {
      const lang = line.slice(3).trim().split(/\s+/)[0] ?? '';
      const file = /file=(\S+)/.exec(line)?.[1];
      const body: string[] = [];
      for (i++; i < lines.length && !lines[i]!.startsWith('```'); i++) body.push(lines[i]!);
      i++;
      const label = file ? `<div class="file">${escape(file)}</div>` : '';
      out.push(`<pre class="lang-${escape(lang || 'text')}">${label}<code>${escape(body.join('\n'))}</code></pre>`);
      continue;
    }
    if (line.startsWith('|')) {
      const rows: string[] = [];
      for (; i < lines.length && lines[i]!.startsWith('|'); i++) rows.push(lines[i]!);
      const [head, , ...body] = rows;
      out.push(`<table><thead><tr>${cells(head!).map((c) => `<th>${inline(c, links)}</th>`).join('')}</tr></thead><tbody>${body.map((r) => `<tr>${cells(r).map((c) => `<td>${inline(c, links)}</td>`).join('')}</tr>`).join('')}</tbody></table>`);
      continue;
    }
    const item = /^(\s*)([-*]|\d+\.) (.*)$/.exec(line);
    if (item) {
      const ordered = /\d/.test(item[2]!);
      const items: string[] = [];
      while (i < lines.length) {
        const m = /^(\s*)([-*]|\d+\.) (.*)$/.exec(lines[i]!);
        if (!m) break;
        const text = [m[3]!];
        // Continuation lines are indented; a nested item is flattened into the list.
        for (i++; i < lines.length && /^\s+\S/.test(lines[i]!) && !/^\s*([-*]|\d+\.) /.test(lines[i]!); i++) text.push(lines[i]!.trim());
        items.push(`<li>${inline(text.join(' '), links)}</li>`);
      }
      out.push(ordered ? `<ol>${items.join('')}</ol>` : `<ul>${items.join('')}</ul>`);
      continue;
    }
    if (line.startsWith('>')) {
      const quote: string[] = [];
      for (; i < lines.length && lines[i]!.startsWith('>'); i++) quote.push(lines[i]!.replace(/^>\s?/, ''));
      out.push(`<blockquote>${renderMarkdown(quote.join('\n'), links)}</blockquote>`);
      continue;
    }
    const para: string[] = [];
    for (; i < lines.length && (para.length === 0 || !isBlockStart(lines[i]!)); i++) para.push(lines[i]!.trim());
    out.push(`<p>${inline(para.join(' '), links)}</p>`);
  }
  return out.join('\n');
}

/** A whole page: the rendered doc, a link back to the playground, light and dark colours. */
export function docPage(title: string, md: string, links: LinkMap): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8" />
<meta name="viewport" content="width=device-width, initial-scale=1" />
<meta name="color-scheme" content="light dark" />
<title>${escape(title)} · lossc playground</title>
<link rel="icon" href="data:," />
<style>
:root { color-scheme: light dark; --fg: #1f2328; --muted: #59636e; --bg: #fff; --code: #f3f4f6; --line: #d1d9e0; --link: #0969da; --target: #fff8c5; }
@media (prefers-color-scheme: dark) { :root { --fg: #e6edf3; --muted: #9198a1; --bg: #0d1117; --code: #161b22; --line: #3d444d; --link: #4493f8; --target: #3a3200; } }
body { margin: 0; background: var(--bg); color: var(--fg); font: 15px/1.55 system-ui, -apple-system, 'Segoe UI', sans-serif; }
nav.top { position: sticky; top: 0; background: var(--bg); border-bottom: 1px solid var(--line); padding: 8px 16px; display: flex; gap: 16px; white-space: nowrap; overflow-x: auto; font-size: 14px; }
main { max-width: 860px; margin: 0 auto; padding: 8px 16px 64px; overflow-wrap: anywhere; }
a { color: var(--link); }
code { font: 13px/1.4 ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; background: var(--code); padding: 1px 4px; border-radius: 4px; }
pre { background: var(--code); padding: 10px 12px; border-radius: 6px; overflow-x: auto; }
pre code { padding: 0; background: none; }
pre .file { color: var(--muted); font: 12px ui-monospace, monospace; margin-bottom: 4px; }
table { border-collapse: collapse; display: block; overflow-x: auto; }
th, td { border: 1px solid var(--line); padding: 4px 8px; text-align: left; vertical-align: top; }
h2 { border-top: 1px solid var(--line); padding-top: 16px; margin-top: 32px; scroll-margin-top: 56px; }
h1, h3 { scroll-margin-top: 56px; }
td code { white-space: nowrap; }
h2:target { background: var(--target); }
blockquote { margin: 0; padding-left: 12px; border-left: 3px solid var(--line); color: var(--muted); }
</style>
</head>
<body>
<nav class="top"><a href="./index.html">← Playground</a><a href="./language.html">Language</a><a href="./diagnostics.html">Diagnostics</a></nav>
<main>
${renderMarkdown(md, links)}
</main>
</body>
</html>
`;
}
