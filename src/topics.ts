// Known topics: a short curated map of ML subjects to the words that find them.

/** A named topic and the search text that finds its papers. */
export interface Topic {
  name: string;
  query: string;
}

/**
 * Subjects research groups follow. Each query is ordinary search text, so the same
 * analysis (stems, British spellings, typos) applies as for any search.
 */
export const TOPICS: readonly Topic[] = [
  { name: 'agent memory', query: 'agent memory long-term memory retrieval store recall' },
  { name: 'kv cache', query: 'kv cache key-value cache compression eviction' },
  { name: 'quantization', query: 'quantization low-bit int4 int8 quantized' },
  { name: 'checkpointing', query: 'checkpointing checkpoint fault tolerance' },
  { name: 'linear attention', query: 'linear attention recurrent state hybrid' },
  { name: 'state space models', query: 'state space model mamba ssm recurrent' },
  { name: 'long context', query: 'long context length extrapolation sequence' },
  { name: 'mixture of experts', query: 'mixture of experts moe routing experts' },
  { name: 'reasoning', query: 'reasoning chain-of-thought math reasoning' },
  { name: 'reinforcement learning', query: 'reinforcement learning rl reward policy' },
  { name: 'retrieval-augmented generation', query: 'retrieval-augmented generation rag retrieval' },
  { name: 'llm agents', query: 'llm agents agentic tool use planning' },
  { name: 'multimodal', query: 'multimodal vision-language image video' },
  { name: '3d generation', query: '3d generation gaussian splatting nerf scene' },
  { name: 'diffusion models', query: 'diffusion denoising generative image generation' },
  { name: 'time series', query: 'time series forecasting temporal' },
  { name: 'efficient inference', query: 'efficient inference latency throughput serving speedup' },
  { name: 'training efficiency', query: 'training efficiency pretraining distributed parallelism gpu' },
  { name: 'safety and security', query: 'safety security attack defense jailbreak poisoning' },
  { name: 'benchmarks', query: 'benchmark evaluation dataset leaderboard' },
  { name: 'code generation', query: 'code generation programming software repository' },
  { name: 'memory-efficient training', query: 'memory-efficient optimizer states activation memory gpu memory' },
];
