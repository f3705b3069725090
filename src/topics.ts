// Known topics: a short curated map of ML subjects to the phrases that mark a paper as being about them.

/**
 * A named topic. A paper is on the topic when, for at least one phrase, every word of it is in the
 * title, or every word of it occurs at least twice in title and abstract (after the usual stemming
 * and spelling folding): counts and lists hold papers about the subject, not passing mentions.
 */
export interface Topic {
  name: string;
  phrases: readonly string[];
}

export const TOPICS: readonly Topic[] = [
  { name: 'agent memory', phrases: ['agent memory', 'agentic memory', 'memory for agents', 'long-term memory'] },
  { name: 'kv cache', phrases: ['kv cache', 'key-value cache'] },
  { name: 'quantization', phrases: ['quantization', 'quantized', 'low-bit'] },
  { name: 'checkpointing', phrases: ['checkpointing', 'checkpoint'] },
  { name: 'linear attention', phrases: ['linear attention'] },
  { name: 'state space models', phrases: ['state space model', 'mamba', 'ssm'] },
  { name: 'long context', phrases: ['long context', 'long-context', 'context length', 'length extrapolation'] },
  { name: 'mixture of experts', phrases: ['mixture of experts', 'moe'] },
  { name: 'reasoning', phrases: ['reasoning'] },
  { name: 'reinforcement learning', phrases: ['reinforcement learning'] },
  { name: 'retrieval-augmented generation', phrases: ['retrieval-augmented generation', 'retrieval augmented', 'rag'] },
  { name: 'llm agents', phrases: ['llm agent', 'language model agent', 'agentic'] },
  { name: 'multimodal', phrases: ['multimodal', 'vision-language', 'vision language'] },
  { name: '3d generation', phrases: ['3d generation', 'gaussian splatting', 'nerf', '3d scene'] },
  { name: 'diffusion models', phrases: ['diffusion model', 'denoising diffusion'] },
  { name: 'time series', phrases: ['time series'] },
  { name: 'efficient inference', phrases: ['efficient inference', 'inference latency', 'inference throughput', 'llm serving', 'inference acceleration'] },
  { name: 'distributed training', phrases: ['distributed training', 'data parallelism', 'pipeline parallelism', 'tensor parallelism', 'training throughput'] },
  { name: 'safety and security', phrases: ['jailbreak', 'poisoning', 'adversarial attack', 'backdoor', 'prompt injection'] },
  { name: 'benchmarks', phrases: ['benchmark'] },
  { name: 'code generation', phrases: ['code generation', 'program repair', 'code completion', 'coding benchmark'] },
  {
    name: 'memory-efficient training',
    phrases: ['memory-efficient training', 'optimizer states', 'activation memory', 'activation checkpointing', 'memory footprint of training'],
  },
];
