// Entry point of one Discord shard process, spawned by ShardingManager for `paperboy serve --shards`.
import { main } from '../cli/index.js';

// NOTE: like bin/paperboy.js this is a process entry, so it hands the real environment to the CLI,
// which sees SHARDING_MANAGER=true and starts only the Discord adapter.
process.exitCode = await main(['serve'], { stdin: process.stdin, stdout: process.stdout, stderr: process.stderr, env: process.env });
// NOTE: the IPC channel to the manager keeps both processes alive; close it once this shard is done.
if (process.connected) process.disconnect();
