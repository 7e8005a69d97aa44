import type { Embedder } from '../retrieval/embedder.ts';

/** A provider that can embed: `OpenAIProvider` with an `embeddingModel`. */
export interface EmbeddingProvider {
  readonly name: string;
  readonly embeddingModel: string | null;
  /** Unit-length vectors in the order of `texts`; throws ProviderError. */
  embed(texts: readonly string[], signal?: AbortSignal): Promise<Float32Array[]>;
}

/**
 * A provider's embeddings as an `Embedder`. The id, `provider:<name>:<model>`, names the vector
 * space: vectors stored under another provider or model are never compared with these.
 */
export class ProviderEmbedder implements Embedder {
  readonly id: string;

  constructor(private readonly provider: EmbeddingProvider) {
    if (!provider.embeddingModel) {
      throw new TypeError(`provider ${provider.name} has no embedding model: it cannot be an embedder`);
    }
    this.id = `provider:${provider.name}:${provider.embeddingModel}`;
  }

  embed(texts: readonly string[], signal?: AbortSignal): Promise<Float32Array[]> {
    return this.provider.embed(texts, signal);
  }
}

/** `new ProviderEmbedder(provider)`; throws when the provider has no embedding model. */
export function createProviderEmbedder(provider: EmbeddingProvider): Embedder {
  return new ProviderEmbedder(provider);
}
