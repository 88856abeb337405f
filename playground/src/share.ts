// Share links: the editor's text and the settings, as JSON in the URL hash, deflated when the
// browser can (CompressionStream), base64url either way.

const PREFIX_Z = '#z=';
const PREFIX_J = '#j=';

function toBase64Url(bytes: Uint8Array): string {
  let s = '';
  for (const b of bytes) s += String.fromCharCode(b);
  return btoa(s).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

function fromBase64Url(text: string): Uint8Array<ArrayBuffer> {
  const s = atob(text.replace(/-/g, '+').replace(/_/g, '/'));
  return Uint8Array.from(s, (c) => c.charCodeAt(0));
}

/** Bytes through a (de)compression stream. */
async function pipe(bytes: Uint8Array<ArrayBuffer>, stream: CompressionStream | DecompressionStream): Promise<Uint8Array> {
  const writer = stream.writable.getWriter();
  // The write is not awaited before reading: a large input would otherwise wait on back-pressure.
  const written = writer.write(bytes).then(() => writer.close());
  written.catch(() => undefined); // a corrupt link fails the read below, which says so
  const out = new Uint8Array(await new Response(stream.readable).arrayBuffer());
  await written;
  return out;
}

export async function encodeState(state: unknown): Promise<string> {
  const json = new TextEncoder().encode(JSON.stringify(state));
  if (typeof CompressionStream === 'function') return PREFIX_Z + toBase64Url(await pipe(json, new CompressionStream('deflate-raw')));
  return PREFIX_J + toBase64Url(json);
}

/** The state in a hash, undefined when there is none, an Error when it cannot be read. */
export async function decodeState(hash: string): Promise<unknown> {
  try {
    if (hash.startsWith(PREFIX_Z)) {
      const bytes = await pipe(fromBase64Url(hash.slice(PREFIX_Z.length)), new DecompressionStream('deflate-raw'));
      return JSON.parse(new TextDecoder().decode(bytes));
    }
    if (hash.startsWith(PREFIX_J)) return JSON.parse(new TextDecoder().decode(fromBase64Url(hash.slice(PREFIX_J.length))));
    return undefined;
  } catch (e) {
    return new Error(`the share link could not be read (${e instanceof Error ? e.message : String(e)})`);
  }
}
