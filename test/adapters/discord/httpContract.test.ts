// Runs the shared chat adapter contract against the Discord adapter in HTTP interactions mode: signed interactions, no gateway for them.
import { adapterContract } from '../contract.js';
import { discordContractHarness } from './contractHarness.js';

adapterContract('discord over HTTP interactions', (papers) => discordContractHarness(papers, 'http'));
