// Test helper: a small strict XML 1.0 parser (no DTDs), so the JUnit tests need no dependency.
// It throws on anything not well-formed: bad characters, unknown entities, unbalanced or duplicate markup.

export type XmlElement = { name: string; attrs: Record<string, string>; children: XmlElement[]; text: string };

const INVALID_CHAR = /[^\t\n\r\x20-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/u;
const NAME = '[A-Za-z_:][\\w.:-]*';
const START_TAG = new RegExp(`<(${NAME})((?:\\s+${NAME}\\s*=\\s*(?:"[^"<]*"|'[^'<]*'))*)\\s*(/?)>`, 'y');
const ATTR = new RegExp(`(${NAME})\\s*=\\s*(?:"([^"]*)"|'([^']*)')`, 'g');
const END_TAG = new RegExp(`</(${NAME})\\s*>`, 'y');

function decode(text: string, where: number): string {
  return text.replace(/&([^;]*);?/g, (whole, ref: string) => {
    if (!whole.endsWith(';')) throw new Error(`bare & at ${where}`);
    const named: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };
    if (ref in named) return named[ref]!;
    const m = /^#(?:x([0-9a-fA-F]+)|([0-9]+))$/.exec(ref);
    if (!m) throw new Error(`unknown entity &${ref}; at ${where}`);
    const code = parseInt(m[1] ?? m[2]!, m[1] ? 16 : 10);
    const c = code <= 0x10ffff ? String.fromCodePoint(code) : '\0';
    if (INVALID_CHAR.test(c)) throw new Error(`character reference to an invalid character &${ref}; at ${where}`);
    return c;
  });
}

export function parseXml(xml: string): XmlElement {
  const bad = INVALID_CHAR.exec(xml);
  if (bad) throw new Error(`invalid XML character U+${bad[0].codePointAt(0)!.toString(16)} at ${bad.index}`);
  let i = /^<\?xml\s[^?]*\?>/.exec(xml)?.[0].length ?? 0;
  const stack: XmlElement[] = [];
  let root: XmlElement | undefined;
  while (i < xml.length) {
    if (xml.startsWith('<!--', i)) {
      const end = xml.indexOf('-->', i);
      if (end < 0) throw new Error(`unclosed comment at ${i}`);
      i = end + 3;
    } else if (xml.startsWith('</', i)) {
      END_TAG.lastIndex = i;
      const m = END_TAG.exec(xml);
      const open = stack.pop();
      if (!m || !open || open.name !== m[1]) throw new Error(`unexpected end tag at ${i}`);
      i = END_TAG.lastIndex;
    } else if (xml[i] === '<') {
      START_TAG.lastIndex = i;
      const m = START_TAG.exec(xml);
      if (!m) throw new Error(`malformed start tag at ${i}`);
      if (root && stack.length === 0) throw new Error(`second root element at ${i}`);
      const element: XmlElement = { name: m[1]!, attrs: {}, children: [], text: '' };
      for (const [, name, dq, sq] of m[2]!.matchAll(ATTR)) {
        if (name! in element.attrs) throw new Error(`duplicate attribute ${name} at ${i}`);
        element.attrs[name!] = decode(dq ?? sq ?? '', i);
      }
      stack.at(-1)?.children.push(element);
      root ??= element;
      if (!m[3]) stack.push(element);
      i = START_TAG.lastIndex;
    } else {
      const end = xml.indexOf('<', i) < 0 ? xml.length : xml.indexOf('<', i);
      const raw = xml.slice(i, end);
      if (raw.includes(']]>')) throw new Error(`"]]>" in text at ${i}`);
      const text = decode(raw, i);
      if (stack.length) stack.at(-1)!.text += text;
      else if (text.trim()) throw new Error(`text outside the root element at ${i}`);
      i = end;
    }
  }
  if (!root || stack.length) throw new Error('no root element, or unclosed elements');
  return root;
}

/** Every element named `name` under `root`, depth first. */
export function findAll(root: XmlElement, name: string): XmlElement[] {
  return [...(root.name === name ? [root] : []), ...root.children.flatMap((c) => findAll(c, name))];
}
