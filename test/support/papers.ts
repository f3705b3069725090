// A small corpus for adapter and command tests, including a hostile paper whose text tries to ping and inject markup.
import type { Paper } from '../../src/papers/model.js';

const base = { authors: [] as string[], authorCount: 3, org: null, thumbnail: null, sources: [{ name: 'test' }] };

export const HOSTILE_TITLE = '<!channel> @everyone @here <@U123> <https://evil.example|click> [click](https://evil.example) **x** `code` &amp;';

export const testPapers: Paper[] = [
  {
    ...base,
    id: '2402.02750',
    arxivId: '2402.02750',
    title: 'KIVI: A Tuning-Free Asymmetric 2bit Quantization for KV Cache',
    abstract:
      'Efficiently serving large language models requires batching many requests. We quantize the KV cache to 2 bits with a per-channel key and per-token value scheme. KIVI reduces peak memory by 2.6x.',
    publishedAt: '2025-11-27',
    upvotes: 12,
    org: 'Rice University',
  },
  {
    ...base,
    id: '2406.03482',
    arxivId: '2406.03482',
    title: 'QJL: 1-Bit Quantized JL Transform for KV Cache Quantization with Zero Overhead',
    abstract:
      'Serving LLMs requires substantial memory due to the KV cache. We apply a Johnson-Lindenstrauss transform and sign-bit quantization to the KV cache.',
    publishedAt: '2025-11-27',
    upvotes: 30,
  },
  {
    ...base,
    id: 't-memos-a-memory-os-for-ai-system-abc123',
    arxivId: null,
    title: 'MemOS: A Memory OS for AI System',
    abstract: 'Large language models lack a unified memory layer. MemOS treats memory as a manageable system resource for agents.',
    publishedAt: '2025-11-26',
    upvotes: 5,
    org: 'MemTensor',
  },
  {
    ...base,
    id: '2012.07436',
    arxivId: '2012.07436',
    title: 'Informer: Beyond Efficient Transformer for Long Sequence Time-Series Forecasting',
    abstract:
      'Long sequence time-series forecasting requires models with high prediction capacity. We propose ProbSparse self-attention with O(L log L) complexity and a generative decoder.',
    publishedAt: '2025-11-20',
    upvotes: 7,
  },
  {
    ...base,
    id: '2501.00001',
    arxivId: '2501.00001',
    title: HOSTILE_TITLE,
    abstract: 'Hostile abstract <!here> @everyone *bold* _it_ ~strike~ > quote `tick` <@U999> mentions zebrafish.',
    publishedAt: '2025-11-25',
    upvotes: 1,
  },
];
