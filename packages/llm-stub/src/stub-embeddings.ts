/**
 * Deterministic stand-in embeddings: character 1-, 2- and 3-grams of the NFKC-lowercased text,
 * hashed (FNV-1a) into signed buckets, then scaled to unit length. Texts sharing n-grams get
 * close vectors, so similarity search behaves plausibly; the same text always gives the same vector.
 */
export function stubEmbedding(text: string, dimensions = 256): number[] {
  const vector = new Float64Array(dimensions);
  const chars = [...`\u0002${text.normalize('NFKC').toLowerCase()}\u0003`];
  for (let n = 1; n <= 3; n++) {
    for (let i = 0; i + n <= chars.length; i++) {
      const h = fnv1a(`${n}:${chars.slice(i, i + n).join('')}`);
      vector[h % dimensions]! += h & 0x80000000 ? -n : n;
    }
  }
  let norm = 0;
  for (const v of vector) norm += v * v;
  norm = Math.sqrt(norm);
  // Only hash collisions cancelling out exactly can leave a zero vector; give it a direction anyway.
  if (norm === 0) {
    vector[0] = 1;
    norm = 1;
  }
  return Array.from(vector, (v) => v / norm);
}

/** Little-endian float32 bytes in base64, as OpenAI sends them for `encoding_format: "base64"`. */
export function toBase64Float32(vector: readonly number[]): string {
  const floats = Float32Array.from(vector);
  return Buffer.from(floats.buffer, floats.byteOffset, floats.byteLength).toString('base64');
}

function fnv1a(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}
